import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { buildApp } from '../stacks/build';
import { loadConfigFile } from '../stacks/load';
import { isBuiltInKind, orderForApply, RenderedObject } from '../lib/apply-order';
import { pluralOf, prerequisites, prerequisitesFileName, prerequisitesText } from '../stacks/prerequisites';
import { renderApp, RenderedFile } from '../stacks/render';
import { CRD_DIR, describeWithCrds } from './support/crd-schema';

const EXAMPLES = path.resolve(__dirname, '..', 'examples');
const rendered: RenderedFile[] = ['single-node.yaml', 'per-cluster.yaml', 'multi-cluster.yaml'].flatMap((f) =>
  renderApp(buildApp([loadConfigFile(path.join(EXAMPLES, f))])),
);
const byFile = (name: string) => rendered.find((f) => f.fileName === name)!;

const obj = (apiVersion: string, kind: string, name: string, namespace?: string, extra: object = {}): RenderedObject => ({
  apiVersion,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
  ...extra,
});

describe('apply order', () => {
  test('GIVEN custom resources and built-ins before their Namespace WHEN ordered THEN Namespace first, custom resources last, construct order kept within each rank', () => {
    const input = [
      obj('gateway.kgateway.dev/v1alpha1', 'HTTPListenerPolicy', 'p', 'gw'),
      obj('v1', 'ConfigMap', 'a', 'telemetry'),
      obj('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', 'g', 'telemetry'),
      obj('apps/v1', 'Deployment', 'd', 'telemetry'),
      obj('v1', 'Namespace', 'telemetry'),
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r'),
    ];
    expect(orderForApply(input).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/telemetry',
      'ConfigMap/a',
      'Deployment/d',
      'ClusterRole/r',
      'HTTPListenerPolicy/p',
      'ReferenceGrant/g',
    ]);
    // The input is not reordered in place.
    expect(input[0].kind).toBe('HTTPListenerPolicy');
  });

  test('GIVEN a chart whose custom resource and Service are constructed before its Namespace WHEN rendered THEN the file lists the Namespace first and the custom resource last', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'ns' });
    new ApiObject(chart, 'policy', { apiVersion: 'gateway.kgateway.dev/v1alpha1', kind: 'HTTPListenerPolicy', metadata: { name: 'p' } });
    new ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } });
    new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', namespace: undefined } });
    const [file] = renderApp(app);
    expect(file.objects.map((o) => o.kind)).toEqual(['Namespace', 'Service', 'HTTPListenerPolicy']);
    expect(parseAllDocuments(file.yaml).map((d) => d.toJS().kind)).toEqual(['Namespace', 'Service', 'HTTPListenerPolicy']);
    expect(file.prerequisites.items.customResourceDefinitions.map((c) => c.name)).toEqual(['httplistenerpolicies.gateway.kgateway.dev']);
  });

  test('GIVEN API groups ending in .k8s.io WHEN classified THEN only the API server’s own groups count as built in (Gateway API is a CRD)', () => {
    expect(isBuiltInKind({ apiVersion: 'networking.k8s.io/v1' })).toBe(true);
    expect(isBuiltInKind({ apiVersion: 'v1' })).toBe(true);
    expect(isBuiltInKind({ apiVersion: 'gateway.networking.k8s.io/v1beta1' })).toBe(false);
    expect(isBuiltInKind({ apiVersion: 'gateway.kgateway.dev/v1alpha1' })).toBe(false);
  });

  test('GIVEN every rendered reference file WHEN applied in file order (kubectl apply -f) THEN each object’s Namespace exists or is a listed prerequisite, and each custom kind is a listed CRD', () => {
    for (const f of rendered) {
      const namespaces = new Set(f.prerequisites.items.namespaces.map((n) => n.name));
      const crdKinds = new Set(f.prerequisites.items.customResourceDefinitions.map((c) => c.kind));
      const failures: string[] = [];
      let seenCustom = false;
      for (const o of f.objects) {
        if (o.kind === 'Namespace') namespaces.add(o.metadata.name);
        if (o.metadata.namespace !== undefined && !namespaces.has(o.metadata.namespace)) failures.push(`${o.kind}/${o.metadata.name}: namespace ${o.metadata.namespace} not there yet`);
        if (!isBuiltInKind(o)) {
          seenCustom = true;
          if (!crdKinds.has(o.kind)) failures.push(`${o.kind}: no CRD listed`);
        } else if (seenCustom) failures.push(`${o.kind}/${o.metadata.name}: a built-in kind after a custom resource`);
      }
      expect({ file: f.fileName, failures }).toEqual({ file: f.fileName, failures: [] });
      expect(f.objects[0].kind).toBe('Namespace');
    }
  });
});

describe('prerequisites', () => {
  test('GIVEN the per-cluster example WHEN rendered THEN its prerequisites are the Grafana admin and object-store Secrets with their keys, the Gateways’ namespaces and both CRDs with their versions', () => {
    const p = byFile('per-cluster-prod.k8s.yaml').prerequisites;
    expect(p.fileName).toBe('per-cluster-prod.prerequisites.txt');
    expect(p.items.secrets).toEqual([
      { namespace: 'telemetry', name: 'grafana-admin', keys: ['admin-password', 'admin-user'], allKeys: false, optional: false, usedBy: ['Deployment/grafana'] },
      { namespace: 'telemetry', name: 'lgtm-object-store', keys: ['access-key-id', 'secret-access-key'], allKeys: false, optional: false, usedBy: ['StatefulSet/loki', 'StatefulSet/tempo'] },
    ]);
    expect(p.items.customResourceDefinitions.map((c) => [c.name, c.versions])).toEqual([
      ['httplistenerpolicies.gateway.kgateway.dev', ['v1alpha1']],
      ['referencegrants.gateway.networking.k8s.io', ['v1beta1']],
    ]);
    expect(p.items.namespaces.map((n) => n.name)).toEqual(['internal-gateways', 'kgateway-system']);
  });

  test('GIVEN the multi-cluster example WHEN rendered THEN the management cluster needs the gateway TLS and token Secrets and each workload cluster the token and CA, in the telemetry namespace', () => {
    const secrets = (file: string) => byFile(file).prerequisites.items.secrets.map((s) => `${s.namespace}/${s.name}: ${s.keys.join(',')}`);
    expect(secrets('multi-cluster-fleet-mgmt.k8s.yaml')).toEqual([
      'telemetry/grafana-admin: admin-password,admin-user',
      'telemetry/telemetry-gateway-auth: token',
      'telemetry/telemetry-gateway-tls: tls.crt,tls.key',
    ]);
    for (const w of ['multi-cluster-fleet-workload-eu.k8s.yaml', 'multi-cluster-fleet-workload-us.k8s.yaml']) {
      expect(secrets(w)).toEqual(['telemetry/telemetry-gateway-auth: token', 'telemetry/telemetry-gateway-ca: ca.crt']);
    }
    expect(byFile('multi-cluster-fleet-workload-eu.k8s.yaml').prerequisites.items.customResourceDefinitions.map((c) => c.name)).toEqual([
      'listenerpolicies.gateway.kgateway.dev',
      'referencegrants.gateway.networking.k8s.io',
    ]);
  });

  test('GIVEN pods referencing Secrets through env, envFrom, secret and projected volumes and pull secrets WHEN listed THEN every Secret is listed once with its keys; Secrets and Namespaces the file creates are not', () => {
    const deployment = obj('apps/v1', 'Deployment', 'app', 'ns', {
      spec: {
        template: {
          spec: {
            imagePullSecrets: [{ name: 'pull' }],
            initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'all-env' } }] }],
            containers: [{ name: 'c', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'env', key: 'a', optional: true } } }] }],
            volumes: [
              { name: 'v1', secret: { secretName: 'whole' } },
              { name: 'v2', projected: { sources: [{ secret: { name: 'proj', items: [{ key: 'k', path: 'k' }] } }] } },
              { name: 'v3', secret: { secretName: 'made-here' } },
            ],
          },
        },
      },
    });
    const cronJob = obj('batch/v1', 'CronJob', 'job', 'ns', {
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'B', valueFrom: { secretKeyRef: { name: 'env', key: 'b' } } }] }] } } } } },
    });
    const p = prerequisites([obj('v1', 'Secret', 'made-here', 'ns'), obj('v1', 'Namespace', 'ns'), deployment, cronJob]);
    expect(p.secrets.map((s) => [s.name, s.keys, s.allKeys, s.optional, s.usedBy])).toEqual([
      ['all-env', [], true, false, ['Deployment/app']],
      ['env', ['a', 'b'], false, false, ['CronJob/job', 'Deployment/app']],
      ['proj', ['k'], false, false, ['Deployment/app']],
      ['pull', ['.dockerconfigjson'], false, false, ['Deployment/app']],
      ['whole', [], true, false, ['Deployment/app']],
    ]);
    expect(p.namespaces).toEqual([]);
    expect(p.customResourceDefinitions).toEqual([]);
    expect(prerequisites([obj('apps/v1', 'Deployment', 'x', 'ns', { spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'o', key: 'k', optional: true } } }] }] } } } })]).secrets[0].optional).toBe(true);
  });

  test('GIVEN kinds WHEN pluralized THEN as CRD generators name resources', () => {
    expect(['HTTPListenerPolicy', 'ListenerPolicy', 'ReferenceGrant', 'Gateway', 'Ingress', 'Key'].map(pluralOf)).toEqual([
      'httplistenerpolicies',
      'listenerpolicies',
      'referencegrants',
      'gateways',
      'ingresses',
      'keys',
    ]);
    expect(prerequisitesFileName('multi-cluster-fleet-mgmt.k8s.yaml')).toBe('multi-cluster-fleet-mgmt.prerequisites.txt');
  });

  test('GIVEN a prerequisites file WHEN parsed as YAML THEN it holds exactly the listed items and names the manifest file in its header', () => {
    for (const f of rendered) {
      const p = f.prerequisites.items;
      expect(f.prerequisites.text).toBe(prerequisitesText(f.fileName, p));
      expect(f.prerequisites.text.split('\n')[1]).toBe(`#   kubectl apply -f ${f.fileName}`);
      const parsed = parse(f.prerequisites.text);
      expect(parsed.customResourceDefinitions.map((c: any) => [c.name, c.versions, c.kind])).toEqual(p.customResourceDefinitions.map((c) => [c.name, c.versions, c.kind]));
      expect(parsed.namespaces).toEqual(p.namespaces.map((n) => ({ name: n.name, usedBy: n.usedBy })));
      expect(parsed.secrets.map((s: any) => [s.namespace, s.name, s.keys, s.usedBy])).toEqual(p.secrets.map((s) => [s.namespace, s.name, s.keys, s.usedBy]));
    }
  });
});

describeWithCrds('prerequisite CRDs against the real CRDs')('prerequisite CRDs against the real CRDs', () => {
  const crds = fs
    .readdirSync(CRD_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parse(fs.readFileSync(path.join(CRD_DIR, f), 'utf8')));

  test('GIVEN every CRD a reference file lists WHEN looked up in the upstream CRDs THEN one has that name and kind and serves every listed version', () => {
    const listed = rendered.flatMap((f) => f.prerequisites.items.customResourceDefinitions);
    expect(new Set(listed.map((c) => c.name)).size).toBe(3);
    for (const c of listed) {
      const crd = crds.find((x) => x.metadata.name === c.name);
      expect({ name: c.name, found: Boolean(crd) }).toEqual({ name: c.name, found: true });
      expect(crd.spec.names.kind).toBe(c.kind);
      const served = crd.spec.versions.filter((v: any) => v.served).map((v: any) => v.name);
      expect(served).toEqual(expect.arrayContaining([...c.versions]));
    }
  });
});
