import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { defaultConfigFiles, main } from '../app';
import { cpuCores, quantityBytes } from '../lib/resources';
import { buildApp } from '../stacks/build';
import { loadConfigFile } from '../stacks/load';
import { renderApp, RenderedFile } from '../stacks/render';
import { readmeWithReference, schemaJson } from '../stacks/schema';
import { SINGLE_NODE_BUDGET } from '../stacks/single-node';
import { CrdValidator, describeWithCrds } from './support/crd-schema';
import { podPolicyViolations } from './support/restricted';
import { containers, schemaErrors } from './support/synth';

const EXAMPLES = path.resolve(__dirname, '..', 'examples');

/** Renders one example config as `npm run synth` does. */
function render(file: string): RenderedFile[] {
  return renderApp(buildApp([loadConfigFile(path.join(EXAMPLES, file))]));
}

const layouts = {
  'single-node': render('single-node.yaml'),
  'per-cluster': render('per-cluster.yaml'),
  'multi-cluster': render('multi-cluster.yaml'),
};
const allFiles = Object.values(layouts).flat();

/** The collector configs (parsed) of a rendered file, by ConfigMap name. */
function collectorConfigs(file: RenderedFile): Map<string, any> {
  const out = new Map<string, any>();
  for (const o of file.objects) {
    if (o.kind === 'ConfigMap' && o.metadata.labels?.['app.kubernetes.io/name'] === 'opentelemetry-collector') {
      out.set(o.metadata.name, parse(Object.values(o.data as Record<string, string>)[0]));
    }
  }
  return out;
}

/** `svc.ns.svc:port` and `http(s)://svc.ns.svc:port` references in a string. */
function serviceRefs(text: string): { service: string; namespace: string; port: number }[] {
  return [...text.matchAll(/\b([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?:(\d+)/g)].map((m) => ({ service: m[1], namespace: m[2], port: Number(m[3]) }));
}

function servicePort(objects: any[], ref: { service: string; namespace: string; port: number }): boolean {
  return objects.some((o) => o.kind === 'Service' && o.metadata.name === ref.service && o.metadata.namespace === ref.namespace && o.spec.ports.some((p: any) => p.port === ref.port));
}

describe('reference configurations', () => {
  test('GIVEN the examples WHEN rendered THEN one file per cluster, each named after its layout; multi-cluster has at least two workload clusters', () => {
    expect(Object.fromEntries(Object.entries(layouts).map(([k, files]) => [k, files.map((f) => f.fileName)]))).toEqual({
      'single-node': ['single-node-laptop.k8s.yaml'],
      'per-cluster': ['per-cluster-prod.k8s.yaml'],
      'multi-cluster': ['multi-cluster-fleet-mgmt.k8s.yaml', 'multi-cluster-fleet-workload-eu.k8s.yaml', 'multi-cluster-fleet-workload-us.k8s.yaml'],
    });
    expect(defaultConfigFiles().map((f) => path.basename(f))).toEqual(['single-node.yaml', 'per-cluster.yaml', 'multi-cluster.yaml']);
  });

  test.each(Object.keys(layouts))('GIVEN layout %s WHEN rendered THEN the output matches the snapshot', (layout) => {
    for (const f of layouts[layout as keyof typeof layouts]) {
      // The YAML written is exactly the objects the semantic checks below examine.
      expect(parseAllDocuments(f.yaml).map((d) => d.toJS())).toEqual(f.objects);
      expect(f.fileName.startsWith(layout)).toBe(true);
      expect(f.yaml).toMatchSnapshot(f.fileName);
    }
  });

  test('GIVEN every rendered object WHEN checked against the Kubernetes schemas THEN none has errors or unknown fields', () => {
    expect(allFiles.flatMap((f) => schemaErrors(f.objects))).toEqual([]);
  });

  test('GIVEN every pod WHEN checked THEN it meets the restricted Pod Security Standard with resources, probes and pinned images', () => {
    expect(allFiles.flatMap((f) => podPolicyViolations(f.objects))).toEqual([]);
    for (const f of allFiles) {
      const ns = f.objects.find((o) => o.kind === 'Namespace');
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    }
  });

  test('GIVEN every file WHEN object names are listed THEN none is hashed, none repeats and only cluster-scoped objects lack a namespace', () => {
    for (const f of allFiles) {
      const keys = f.objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const o of f.objects) expect(o.metadata.name).not.toMatch(/-c8[0-9a-f]{6,}$/);
      // Cluster-scoped objects carry no namespace; everything else is in one.
      for (const o of f.objects) {
        const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind);
        expect({ o: `${o.kind}/${o.metadata.name}`, namespaced: o.metadata.namespace !== undefined }).toEqual({ o: `${o.kind}/${o.metadata.name}`, namespaced: !clusterScoped });
      }
    }
  });

  test('GIVEN every endpoint a component dials WHEN resolved THEN a Service with that port is rendered in the same or the management cluster', () => {
    const mgmt = layouts['multi-cluster'][0].objects;
    let checked = 0;
    for (const f of allFiles) {
      for (const o of f.objects) {
        if (o.kind !== 'ConfigMap') continue;
        for (const text of Object.values(o.data as Record<string, string>)) {
          for (const ref of serviceRefs(text)) {
            checked++;
            expect({ file: f.fileName, configMap: o.metadata.name, ref, found: servicePort(f.objects, ref) || servicePort(mgmt, ref) }).toEqual({
              file: f.fileName,
              configMap: o.metadata.name,
              ref,
              found: true,
            });
          }
        }
      }
      for (const o of f.objects.filter((x) => /ListenerPolicy$/.test(x.kind))) {
        const spec = o.kind === 'ListenerPolicy' ? o.spec.default.httpSettings : o.spec;
        const refs = [
          ...(spec.accessLog ?? []).map((a: any) => a.openTelemetry.grpcService.backendRef),
          ...(spec.tracing ? [spec.tracing.provider.openTelemetry.grpcService.backendRef] : []),
        ];
        for (const r of refs) {
          checked++;
          expect({ policy: o.metadata.name, r, found: servicePort(f.objects, { service: r.name, namespace: r.namespace, port: r.port }) }).toEqual({ policy: o.metadata.name, r, found: true });
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  test('GIVEN a cross-namespace backendRef WHEN rendered THEN a ReferenceGrant in the collector namespace allows exactly that policy kind and namespace', () => {
    for (const f of allFiles) {
      for (const p of f.objects.filter((x) => /ListenerPolicy$/.test(x.kind))) {
        const spec = p.kind === 'ListenerPolicy' ? p.spec.default.httpSettings : p.spec;
        const ref = spec.accessLog?.[0]?.openTelemetry.grpcService.backendRef ?? spec.tracing.provider.openTelemetry.grpcService.backendRef;
        const grant = f.objects.find(
          (g) =>
            g.kind === 'ReferenceGrant' &&
            g.metadata.namespace === ref.namespace &&
            g.spec.from.some((x: any) => x.kind === p.kind && x.namespace === p.metadata.namespace && x.group === 'gateway.kgateway.dev') &&
            g.spec.to.some((t: any) => t.kind === 'Service' && t.name === ref.name),
        );
        expect({ policy: `${p.metadata.namespace}/${p.metadata.name}`, grant: Boolean(grant) }).toEqual({ policy: `${p.metadata.namespace}/${p.metadata.name}`, grant: p.metadata.namespace !== ref.namespace });
      }
    }
  });

  test('GIVEN every collector WHEN its pipelines are read THEN each signal carries the cluster name of its cluster', () => {
    const expected: Record<string, string> = {
      'single-node-laptop.k8s.yaml': 'laptop',
      'per-cluster-prod.k8s.yaml': 'prod-eu-1',
      'multi-cluster-fleet-mgmt.k8s.yaml': 'mgmt',
      'multi-cluster-fleet-workload-eu.k8s.yaml': 'workload-eu',
      'multi-cluster-fleet-workload-us.k8s.yaml': 'workload-us',
    };
    for (const f of allFiles) {
      for (const [name, cfg] of collectorConfigs(f)) {
        if (name === 'otel-gateway-config') continue; // relays signals already stamped by their own cluster
        for (const [pipeline, p] of Object.entries<any>(cfg.service.pipelines)) {
          const stamp = (p.processors as string[])
            .map((id) => cfg.processors[id])
            .find((proc: any) => proc?.attributes?.some((a: any) => a.key === 'k8s.cluster.name'));
          expect({ file: f.fileName, name, pipeline, cluster: stamp?.attributes.find((a: any) => a.key === 'k8s.cluster.name').value }).toEqual({
            file: f.fileName,
            name,
            pipeline,
            cluster: expected[f.fileName],
          });
        }
      }
    }
  });

  test('GIVEN the multi-cluster layout WHEN the workload clusters are read THEN every exporter targets the management gateway over TLS with a token', () => {
    const [mgmt, ...workloads] = layouts['multi-cluster'];
    const gwSvc = mgmt.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'otel-gateway');
    expect(gwSvc.spec.type).toBe('LoadBalancer');
    const gwPort = gwSvc.spec.ports.find((p: any) => p.name === 'otlp-grpc').port;
    expect(workloads).toHaveLength(2);
    for (const w of workloads) {
      // No backend runs in a workload cluster.
      expect(w.objects.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
      for (const [name, cfg] of collectorConfigs(w)) {
        const exporters = Object.entries<any>(cfg.exporters).filter(([id]) => id !== 'debug');
        if (name === 'otel-agent-config') {
          // The agent forwards to the local signal collectors, which export to the gateway.
          for (const [, e] of exporters) expect(serviceRefs(e.endpoint).every((r) => servicePort(w.objects, r))).toBe(true);
          continue;
        }
        expect({ name, exporters: exporters.map(([id]) => id) }).toEqual({ name, exporters: ['otlp_grpc/gateway'] });
        const e = exporters[0][1];
        expect(e.endpoint).toBe('${env:OTLP_GATEWAY_ENDPOINT}');
        expect(e.tls.ca_file).toBeDefined();
        expect(e.tls.server_name_override).toBe('otlp.mgmt.example.com');
        expect(e.auth.authenticator).toBe('bearertokenauth/gateway');
      }
      for (const o of w.objects.filter((x) => ['Deployment', 'DaemonSet'].includes(x.kind) && x.metadata.name !== 'otel-agent')) {
        const env = containers(o)[0].env.find((e: any) => e.name === 'OTLP_GATEWAY_ENDPOINT');
        expect({ workload: o.metadata.name, value: env?.value }).toEqual({ workload: o.metadata.name, value: `otlp.mgmt.example.com:${gwPort}` });
      }
    }
  });

  test('GIVEN the management cluster WHEN read THEN its Grafana provisions the dashboards of every cluster and its Prometheus the rules', () => {
    const mgmt = layouts['multi-cluster'][0].objects;
    const dashboards = mgmt.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1').map((o) => o.metadata.name).sort();
    expect(dashboards).toEqual(['grafana-dashboard-lgtm-backends', 'grafana-dashboard-lgtm-gateway', 'grafana-dashboard-lgtm-otel-collector', 'grafana-dashboard-lgtm-services']);
    const rules = mgmt.filter((o) => o.kind === 'ConfigMap' && /^prometheus-rules-/.test(o.metadata.name)).map((o) => o.metadata.name).sort();
    expect(rules).toEqual(['prometheus-rules-grafana', 'prometheus-rules-kgateway', 'prometheus-rules-loki', 'prometheus-rules-otel-collector', 'prometheus-rules-prometheus', 'prometheus-rules-tempo']);
    const prom = parse(mgmt.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config').data['prometheus.yml']);
    expect(prom.scrape_configs.map((s: any) => s.job_name).sort()).toEqual(['grafana', 'loki', 'prometheus', 'tempo']);
  });

  test('GIVEN the single-node layout WHEN all requests are summed THEN they stay within 1 CPU and 2 GiB', () => {
    const pods = layouts['single-node'][0].objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind));
    let cpu = 0;
    let mem = 0;
    for (const o of pods) {
      const replicas = o.kind === 'DaemonSet' ? 1 : o.spec.replicas ?? 1;
      expect({ workload: o.metadata.name, replicas }).toEqual({ workload: o.metadata.name, replicas: 1 });
      for (const c of containers(o)) {
        cpu += cpuCores(c.resources.requests.cpu) * replicas;
        mem += quantityBytes(c.resources.requests.memory) * replicas;
      }
    }
    expect({ cpu: Math.round(cpu * 1000), memMi: mem / 2 ** 20 }).toEqual({ cpu: 650, memMi: 1568 });
    expect(cpu).toBeLessThanOrEqual(SINGLE_NODE_BUDGET.cpu);
    expect(mem).toBeLessThanOrEqual(SINGLE_NODE_BUDGET.memoryBytes);
    const pvcs = pods.flatMap((o) => o.spec.volumeClaimTemplates ?? []).map((v: any) => v.spec.resources.requests.storage);
    expect(pvcs).toEqual(['2Gi', '2Gi', '2Gi']);
  });

  test('GIVEN the per-cluster layout WHEN rendered THEN it has the four backends, three collectors, node agents and policies for both Gateways', () => {
    const objs = layouts['per-cluster'][0].objects;
    const workloads = objs.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(workloads).toEqual([
      'DaemonSet/otel-agent',
      'Deployment/grafana',
      'Deployment/otel-logs',
      'Deployment/otel-metrics',
      'Deployment/otel-traces',
      'StatefulSet/loki',
      'StatefulSet/prometheus',
      'StatefulSet/tempo',
    ]);
    const agentSvc = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'otel-agent');
    expect(agentSvc.spec.internalTrafficPolicy).toBe('Local');
    const policies = objs.filter((o) => o.kind === 'HTTPListenerPolicy').map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort();
    expect(policies).toEqual(['internal-gateways/internal-access-logs', 'internal-gateways/internal-tracing', 'kgateway-system/http-access-logs', 'kgateway-system/http-tracing']);
  });
});

describeWithCrds('stack custom resources')('custom resources of every layout against the real CRDs', () => {
  let validator: CrdValidator;
  beforeAll(() => {
    validator = new CrdValidator(['kgateway.dev_httplistenerpolicies.yaml', 'kgateway.dev_listenerpolicies.yaml', 'gateway.networking.k8s.io_referencegrants.yaml']);
  });

  test('GIVEN every policy and grant WHEN validated with unknown fields rejected THEN all are valid', () => {
    const custom = allFiles.flatMap((f) => f.objects).filter((o) => !['v1', 'apps/v1', 'rbac.authorization.k8s.io/v1', 'networking.k8s.io/v1', 'policy/v1'].includes(o.apiVersion));
    expect(custom.length).toBeGreaterThan(10);
    for (const o of custom) {
      expect(validator.knows(o)).toBe(true);
      expect({ o: `${o.kind}/${o.metadata.name}`, errors: validator.errors(o) }).toEqual({ o: `${o.kind}/${o.metadata.name}`, errors: [] });
    }
  });
});

describe('cdk8s entry point', () => {
  let outdir: string;
  let stdout: jest.SpyInstance;
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-test-'));
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  function writeConfig(name: string, text: string): string {
    const f = path.join(outdir, name);
    fs.writeFileSync(f, text);
    return f;
  }

  test('GIVEN a user config WHEN synthesized THEN its files are written and what was written is printed', () => {
    const cfg = writeConfig('mine.yaml', 'layout: per-cluster\nname: mine\nclusterName: c1\n');
    const out = path.join(outdir, 'dist');
    expect(main({ LGTM_CONFIG: cfg, CDK8S_OUTDIR: out })).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['.otel-lgtm-k8s-files', 'per-cluster-mine.k8s.yaml', 'per-cluster-mine.prerequisites.txt']);
    expect(fs.readFileSync(path.join(out, 'per-cluster-mine.prerequisites.txt'), 'utf8')).toContain('name: grafana-admin');
    const printed = stdout.mock.calls.map((c) => String(c[0])).join('');
    expect(printed).toMatch(/wrote .*per-cluster-mine\.k8s\.yaml: \d+ objects \(/);
    expect(printed).toMatch(/wrote .*per-cluster-mine\.prerequisites\.txt: to create first, 0 CRDs, 0 Namespaces, 1 Secret\n/);
  });

  test.each([
    ['layout: galaxy\nclusterName: c\n', 'layout: "galaxy" is invalid; allowed: one of "single-node", "per-cluster", "multi-cluster"'],
    ['layout: per-cluster\nclusterName: c\nloki: { retention: 5x }\n', 'loki.retention: "5x" is invalid'],
    ['layout: per-cluster\nclusterName: c\nprometheus: { retention: { size: 10 } }\n', 'prometheus.retention.size: 10 is invalid'],
    ['layout: per-cluster\nclusterName: c\ngatewayPolicies: { gateways: [{ name: http }] }\n', 'gatewayPolicies.gateways[0].namespace: undefined (missing) is invalid'],
    ['layout: single-node\nclusterName: c\ncollectors: { replicas: 2 }\n', 'collectors.replicas: 2 is invalid; allowed: 1 with layout "single-node"'],
    [
      'layout: multi-cluster\nmultiCluster:\n  management: { name: m, telemetryGateway: { tlsSecret: t, authTokenSecret: { name: a, key: t } } }\n  workloadClusters: [{ name: w, gatewayTokenSecret: { name: a, key: t } }]\n',
      'multiCluster.management.telemetryGateway.externalHost: undefined (missing) is invalid',
    ],
    ['layout: per-cluster\nclusterName: c\nloki: { retention: 12h }\n', 'loki.retention: "12h" is invalid'],
    ['layout: [unclosed\n', '(file)'],
  ])('GIVEN invalid config #%# WHEN synthesized THEN it exits 1 naming the field and writes nothing', (text, message) => {
    const good = writeConfig('good.yaml', 'layout: per-cluster\nname: good\nclusterName: ok\n');
    const bad = writeConfig('bad.yaml', text);
    const out = path.join(outdir, 'dist');
    expect(main({ LGTM_CONFIG: `${good},${bad}`, CDK8S_OUTDIR: out })).toBe(1);
    const err = stderr.mock.calls.map((c) => String(c[0])).join('');
    expect(err).toContain(message);
    expect(err).toContain('Nothing was written.');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('GIVEN a previous output WHEN synthesis fails THEN the previous files are untouched', () => {
    const out = path.join(outdir, 'dist');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'per-cluster-old.k8s.yaml'), 'old');
    const bad = writeConfig('bad.yaml', 'layout: per-cluster\n');
    expect(main({ LGTM_CONFIG: bad, CDK8S_OUTDIR: out })).toBe(1);
    expect(fs.readFileSync(path.join(out, 'per-cluster-old.k8s.yaml'), 'utf8')).toBe('old');
  });
});

describe('README error example', () => {
  test('GIVEN the README example config WHEN synthesized THEN the CLI prints exactly the README example error', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '..', 'README.md'), 'utf8');
    const m = /For this `clusters\/prod\.yaml`:\n\n```yaml\n([\s\S]*?)```[\s\S]*?prints:\n\n```\n([\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-readme-'));
    const cwd = process.cwd();
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      fs.mkdirSync(path.join(dir, 'clusters'));
      fs.writeFileSync(path.join(dir, 'clusters', 'prod.yaml'), m![1]);
      process.chdir(dir);
      expect(main({ LGTM_CONFIG: 'clusters/prod.yaml', CDK8S_OUTDIR: path.join(dir, 'dist') })).toBe(1);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toBe(m![2]);
    } finally {
      process.chdir(cwd);
      stderr.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('published JSON Schema', () => {
  test('GIVEN the schema the validator uses WHEN compared with schema/lgtm-config.schema.json THEN the committed file is current (npm run schema)', () => {
    expect(fs.readFileSync(path.resolve(__dirname, '..', 'schema', 'lgtm-config.schema.json'), 'utf8')).toBe(schemaJson());
  });

  test('GIVEN the config model WHEN its reference is generated THEN the README config reference is current (npm run schema)', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toBe(readmeWithReference(readme));
  });

  test('GIVEN the examples WHEN they name a schema THEN it is the published one', () => {
    for (const f of fs.readdirSync(EXAMPLES)) {
      expect(fs.readFileSync(path.join(EXAMPLES, f), 'utf8')).toContain('$schema=../schema/lgtm-config.schema.json');
    }
  });
});
