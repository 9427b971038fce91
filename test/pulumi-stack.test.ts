import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { GATEWAY_ENDPOINT_ENV } from '../components/collector';
import { ValidationError } from '../lib/validation';
import { buildApp, chartPrefix } from '../stacks/build';
import { LgtmConfig, validateConfig } from '../stacks/config';
import { loadConfigFile, SourcedConfig } from '../stacks/load';
import { renderApp } from '../stacks/render';
import { containers } from './support/synth';

// ---------------------------------------------------------------------------
// GIVEN Pulumi runs offline with mocks, set before the modules under test are
// loaded. Every registration is recorded with its type, logical name, inputs
// (resolved; secrets arrive wrapped as RPC secrets) and provider reference.
// ---------------------------------------------------------------------------

interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: any;
  readonly provider: string;
}

const registered: Registration[] = [];
/** When set, the gateway Service of this cluster reports this LoadBalancer hostname in its status. */
let loadBalancer: { cluster: string; hostname: string } | undefined;

pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider ?? '' });
      const state =
        loadBalancer && args.name === `${loadBalancer.cluster}:service:telemetry/otel-gateway`
          ? { ...args.inputs, status: { loadBalancer: { ingress: [{ hostname: loadBalancer.hostname }] } } }
          : args.inputs;
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
  },
  'otel-lgtm-k8s',
  'test',
  false,
);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { run } = require('../pulumi/main') as typeof import('../pulumi/main');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LgtmStack, loadBalancerAddress, PENDING_GATEWAY_HOST } = require('../pulumi/stack') as typeof import('../pulumi/stack');

jest.setTimeout(60_000); // whole Pulumi programs run under mocks; a shared CI machine can be slow

const ROOT = path.resolve(__dirname, '..');
const PROJECT = 'otel-lgtm-k8s';

/** Secret values handed to the program as Pulumi secret config. Distinct so that any leak is found. */
const SECRETS = {
  grafanaAdminPassword: 'grafana-pw-7f3a9c1e',
  objectStoreAccessKeyId: 'AKIATESTKEYID41D2',
  objectStoreSecretAccessKey: 's3-secret-9b7e55aa',
  telemetryGatewayToken: 'gateway-token-c0ffee42',
} as const;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** The `config:` map of a Pulumi.<env>.yaml. */
function stackConfig(env: string): Record<string, unknown> {
  return parse(fs.readFileSync(path.join(ROOT, `Pulumi.${env}.yaml`), 'utf8')).config;
}

/**
 * Hands config to the program the way the Pulumi CLI does (PULUMI_CONFIG:
 * structured values as JSON strings; secret keys listed separately).
 */
function setConfig(config: Record<string, unknown>, secrets: Partial<Record<keyof typeof SECRETS, string>>) {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) all[k] = typeof v === 'string' ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(secrets)) all[`${PROJECT}:${k}`] = v!;
  pulumi.runtime.setAllConfig(all, Object.keys(secrets).map((k) => `${PROJECT}:${k}`));
}

/** Waits until every resource registration (and output) of the program has reached the mocks. */
async function settle(): Promise<void> {
  const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (typeof waitForRPCs !== 'function') throw new Error('@pulumi/pulumi no longer exposes runtime.waitForRPCs; update settle()');
  let before = -1;
  while (before !== registered.length) {
    before = registered.length;
    await waitForRPCs();
    await new Promise((r) => setImmediate(r));
  }
}

/** Runs the Pulumi program with the given config and returns its outputs and registrations. */
async function runProgram(config: Record<string, unknown>, secrets: Partial<Record<keyof typeof SECRETS, string>>) {
  registered.length = 0;
  setConfig(config, secrets);
  const outputs = run();
  await settle();
  return { outputs, regs: [...registered] };
}

/** The value of an Output (or undefined). */
function valueOf<T>(o: pulumi.Output<T> | undefined): Promise<T | undefined> {
  return o === undefined ? Promise.resolve(undefined) : new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** The Pulumi type token of a manifest, e.g. kubernetes:apps/v1:Deployment, kubernetes:core/v1:Service. */
function typeToken(m: any): string {
  const [group, version] = m.apiVersion.includes('/') ? m.apiVersion.split('/') : ['core', m.apiVersion];
  return `kubernetes:${group}/${version}:${m.kind}`;
}

/** `<cluster>:<kind lower>:<ns>/<name>` (or `<cluster>:<kind lower>:<name>` without a namespace). */
function expectedName(cluster: string, m: any): string {
  const ns = m.metadata.namespace;
  return `${cluster}:${m.kind.toLowerCase()}:${ns ? `${ns}/` : ''}${m.metadata.name}`;
}

/** The cdk8s synth of a config, as `npm run synth` renders it, grouped by cluster name. */
function synthByCluster(sourced: SourcedConfig): Map<string, any[]> {
  const files = renderApp(buildApp([sourced]));
  const prefix = chartPrefix(sourced.config);
  const out = new Map<string, any[]>();
  for (const f of files) {
    const cluster =
      sourced.config.layout === 'multi-cluster' ? f.fileName.slice(prefix.length + 1, -'.k8s.yaml'.length) : sourced.config.clusterName!;
    out.set(cluster, f.objects);
  }
  return out;
}

/** `<secret>/<key>` of every Secret key a set of manifests reads (env secretKeyRef and secret volume items). */
function secretRefs(manifests: any[]): Set<string> {
  const refs = new Set<string>();
  for (const m of manifests) {
    const spec = m.spec?.template?.spec;
    for (const c of containers(m)) {
      for (const v of c.env ?? []) if (v.valueFrom?.secretKeyRef) refs.add(`${v.valueFrom.secretKeyRef.name}/${v.valueFrom.secretKeyRef.key}`);
    }
    for (const v of spec?.volumes ?? []) {
      for (const item of v.secret?.items ?? []) refs.add(`${v.secret.secretName}/${item.key}`);
    }
  }
  return refs;
}

const isRpcSecret = (v: unknown) => pulumi.runtime.isRpcSecret(v);

/** The Kubernetes objects registered for a cluster, by logical name, excluding the given (config) Secrets. */
function k8sObjects(regs: Registration[], cluster: string, exclude: Set<string>) {
  return Object.fromEntries(
    regs
      .filter((r) => r.type.startsWith('kubernetes:') && r.name.startsWith(`${cluster}:`) && !exclude.has(r.name))
      .map((r) => [r.name, { type: r.type, inputs: r.inputs }]),
  );
}

/** The collector ConfigMaps of a set of registrations, parsed. */
function collectorConfigs(regs: Registration[], cluster: string): { name: string; config: any }[] {
  return regs
    .filter((r) => r.type === 'kubernetes:core/v1:ConfigMap' && r.name.startsWith(`${cluster}:`))
    .filter((r) => r.inputs.metadata.labels?.['app.kubernetes.io/name'] === 'opentelemetry-collector')
    .map((r) => ({ name: r.inputs.metadata.name, config: parse(Object.values(r.inputs.data as Record<string, string>)[0]) }));
}

// ---------------------------------------------------------------------------
// The example environments
// ---------------------------------------------------------------------------

interface Env {
  readonly env: 'dev' | 'prod' | 'fleet';
  readonly twin: string;
  /** Cluster name -> kubeconfig context of its provider. */
  readonly contexts: Record<string, string>;
  /** Secret config the environment needs. */
  readonly secrets: Partial<Record<keyof typeof SECRETS, string>>;
  /** Logical name -> stringData of every Secret created from secret config. */
  readonly configSecrets: Record<string, Record<string, string>>;
  readonly gatewayAddress?: string;
}

const grafanaAdmin = { 'admin-user': 'admin', 'admin-password': SECRETS.grafanaAdminPassword };
const gatewayToken = { token: SECRETS.telemetryGatewayToken };

const ENVS: Env[] = [
  {
    env: 'dev',
    twin: 'single-node.yaml',
    contexts: { laptop: 'kind-laptop' },
    secrets: { grafanaAdminPassword: SECRETS.grafanaAdminPassword },
    configSecrets: { 'laptop:secret:telemetry/grafana-admin': grafanaAdmin },
  },
  {
    env: 'prod',
    twin: 'per-cluster.yaml',
    contexts: { 'prod-eu-1': 'prod-eu-1' },
    secrets: {
      grafanaAdminPassword: SECRETS.grafanaAdminPassword,
      objectStoreAccessKeyId: SECRETS.objectStoreAccessKeyId,
      objectStoreSecretAccessKey: SECRETS.objectStoreSecretAccessKey,
    },
    configSecrets: {
      'prod-eu-1:secret:telemetry/grafana-admin': grafanaAdmin,
      'prod-eu-1:secret:telemetry/lgtm-object-store': {
        'access-key-id': SECRETS.objectStoreAccessKeyId,
        'secret-access-key': SECRETS.objectStoreSecretAccessKey,
      },
    },
  },
  {
    env: 'fleet',
    twin: 'multi-cluster.yaml',
    contexts: { mgmt: 'mgmt', 'workload-eu': 'workload-eu', 'workload-us': 'workload-us' },
    secrets: { grafanaAdminPassword: SECRETS.grafanaAdminPassword, telemetryGatewayToken: SECRETS.telemetryGatewayToken },
    configSecrets: {
      'mgmt:secret:telemetry/grafana-admin': grafanaAdmin,
      'mgmt:secret:telemetry/telemetry-gateway-auth': gatewayToken,
      'workload-eu:secret:telemetry/telemetry-gateway-auth': gatewayToken,
      'workload-us:secret:telemetry/telemetry-gateway-auth': gatewayToken,
    },
    gatewayAddress: 'otlp.mgmt.example.com:4317',
  },
];

describe.each(ENVS)('Pulumi stack $env (twin of examples/$twin)', (e) => {
  const twinFile = path.join(ROOT, 'examples', e.twin);
  const twin = loadConfigFile(twinFile);
  const expected = synthByCluster(twin);
  let outputs: ReturnType<typeof run>;
  let regs: Registration[];

  beforeAll(async () => {
    ({ outputs, regs } = await runProgram(stackConfig(e.env), e.secrets));
  }, 60_000);

  test(`GIVEN Pulumi.${e.env}.yaml WHEN its deployment is read THEN it is the same deployment as examples/${e.twin}`, () => {
    const deployment = stackConfig(e.env)[`${PROJECT}:deployment`];
    const { $schema: _ignored, ...twinData } = parse(fs.readFileSync(twinFile, 'utf8'));
    expect(deployment).toEqual(twinData);
    expect(validateConfig(deployment)).toEqual(twin.config);
  });

  test(`GIVEN Pulumi.${e.env}.yaml WHEN read THEN it names a provider context per cluster and holds no secret value`, () => {
    const config = stackConfig(e.env);
    expect(config[`${PROJECT}:clusters`]).toEqual(Object.fromEntries(Object.entries(e.contexts).map(([c, context]) => [c, { context }])));
    expect([...expected.keys()].sort()).toEqual(Object.keys(e.contexts).sort());
    const text = fs.readFileSync(path.join(ROOT, `Pulumi.${e.env}.yaml`), 'utf8');
    expect(text).not.toMatch(/secure:/);
    for (const key of Object.keys(SECRETS)) expect(Object.keys(config)).not.toContain(`${PROJECT}:${key}`);
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    // The header tells the user which secret keys to set.
    for (const key of Object.keys(e.secrets)) expect(text).toContain(`pulumi config set --secret ${PROJECT}:${key}`);
  });

  test('GIVEN the program WHEN run THEN the registered Kubernetes objects are, object by object, the cdk8s synth of the twin (type, logical name, inputs), and nothing else', () => {
    const configSecretNames = new Set(Object.keys(e.configSecrets));
    for (const [cluster, manifests] of expected) {
      const want = Object.fromEntries(manifests.map((m) => [expectedName(cluster, m), { type: typeToken(m), inputs: m }]));
      expect(Object.keys(want)).toHaveLength(manifests.length); // logical names are unique
      expect(k8sObjects(regs, cluster, configSecretNames)).toStrictEqual(want);
    }
    // Sanity: the comparison covers real workloads and kgateway custom resources.
    const types = new Set(regs.map((r) => r.type));
    expect(types).toContain('kubernetes:apps/v1:Deployment');
    expect(types).toContain('kubernetes:apps/v1:StatefulSet');
    expect([...types].some((t) => t.startsWith('kubernetes:gateway.kgateway.dev/v1alpha1:'))).toBe(true);
    // No Kubernetes object outside the clusters of the deployment, no other resource kinds.
    const clusters = [...expected.keys()];
    expect(regs.filter((r) => r.type.startsWith('kubernetes:') && !clusters.some((c) => r.name.startsWith(`${c}:`))).map((r) => r.name)).toEqual([]);
    expect(regs.filter((r) => !r.type.startsWith('kubernetes:')).map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      ['otel-lgtm-k8s:index:LgtmStack lgtm', ...clusters.map((c) => `pulumi:providers:kubernetes cluster-${c}`)].sort(),
    );
  });

  test('GIVEN secret config WHEN the program runs THEN it creates the Secrets the deployment references, with secret values that appear nowhere else', () => {
    for (const [name, stringData] of Object.entries(e.configSecrets)) {
      const r = regs.find((s) => s.name === name);
      // Stored encrypted in state: the values reach the engine as secrets.
      expect({ name, secret: isRpcSecret(r?.inputs.stringData) }).toEqual({ name, secret: true });
      expect(pulumi.runtime.unwrapRpcSecret(r!.inputs.stringData)).toEqual(stringData);
      const [, , nsName] = name.split(':');
      const [namespace, secretName] = nsName.split('/');
      expect(r!.type).toBe('kubernetes:core/v1:Secret');
      expect(r!.inputs.metadata).toMatchObject({ name: secretName, namespace });
      expect(r!.inputs.type).toBe('Opaque');
      expect(r!.inputs.data).toBeUndefined();
    }
    expect(regs.filter((r) => r.type === 'kubernetes:core/v1:Secret').map((r) => r.name).sort()).toEqual(Object.keys(e.configSecrets).sort());
    // The rendered objects of each cluster reference exactly these Secrets and keys (env secretKeyRef or mounted items).
    for (const cluster of expected.keys()) {
      const created = Object.entries(e.configSecrets)
        .filter(([n]) => n.startsWith(`${cluster}:`))
        .flatMap(([n, stringData]) => Object.keys(stringData).map((key) => `${n.split('/')[1]}/${key}`));
      const referenced = secretRefs(expected.get(cluster)!);
      expect({ cluster, missing: created.filter((ref) => !referenced.has(ref)) }).toEqual({ cluster, missing: [] });
    }
    const others = JSON.stringify(regs.filter((r) => !(r.name in e.configSecrets)));
    for (const value of Object.values(SECRETS)) expect(others).not.toContain(value);
  });

  test('GIVEN otel-lgtm-k8s:clusters WHEN the program runs THEN every object goes to its own cluster provider, configured with that cluster context', () => {
    for (const [cluster, context] of Object.entries(e.contexts)) {
      const provider = regs.find((r) => r.type === 'pulumi:providers:kubernetes' && r.name === `cluster-${cluster}`)!;
      expect(provider.inputs.context).toBe(context);
      const ref = `urn:pulumi:test::${PROJECT}::pulumi:providers:kubernetes::cluster-${cluster}::cluster-${cluster}-id`;
      const mine = regs.filter((r) => r.type.startsWith('kubernetes:') && r.name.startsWith(`${cluster}:`));
      expect(mine.length).toBe(expected.get(cluster)!.length + Object.keys(e.configSecrets).filter((n) => n.startsWith(`${cluster}:`)).length);
      expect(mine.filter((r) => r.provider !== ref).map((r) => `${r.name} -> ${r.provider}`)).toEqual([]);
    }
  });

  test('GIVEN the program WHEN run THEN its outputs are Grafana\'s Service, the gateway address and the OTLP endpoints per cluster', async () => {
    expect(await valueOf(outputs.grafanaService)).toEqual({ name: 'grafana', namespace: 'telemetry', port: 3000 });
    expect(await valueOf(outputs.gatewayAddress)).toBe(e.gatewayAddress);
    expect(Object.keys(outputs.clusters).sort()).toEqual(Object.keys(e.contexts).sort());
    for (const [cluster, out] of Object.entries(outputs.clusters)) {
      // Apps send to a Service that exists in their own cluster, on its OTLP ports.
      const services = expected.get(cluster)!.filter((m) => m.kind === 'Service');
      const [host, port] = out.otlp!.grpc.split(':');
      const svc = services.find((s) => host.startsWith(`${s.metadata.name}.${s.metadata.namespace}.svc`));
      expect(svc?.spec.ports.find((p: any) => p.port === Number(port))?.name).toBe('otlp-grpc');
      const http = new URL(out.otlp!.http);
      expect(http.hostname.startsWith(`${svc.metadata.name}.${svc.metadata.namespace}.svc`)).toBe(true);
      expect(svc.spec.ports.find((p: any) => p.port === Number(http.port))?.name).toBe('otlp-http');
    }
  });
});

// ---------------------------------------------------------------------------
// Secretness is LgtmStack's own doing, not only the config's
// ---------------------------------------------------------------------------

describe('LgtmStack secrets', () => {
  test('GIVEN plain (non-secret) secret values WHEN LgtmStack creates the Secrets THEN their stringData is still marked secret', async () => {
    registered.length = 0;
    const config = stackConfig('prod')[`${PROJECT}:deployment`];
    new LgtmStack('direct', {
      config,
      secrets: {
        grafanaAdminUser: 'root',
        grafanaAdminPassword: 'plain-pw-1',
        objectStoreAccessKeyId: 'plain-key-2',
        objectStoreSecretAccessKey: 'plain-secret-3',
      },
    });
    await settle();
    const secrets = registered.filter((r) => r.name.includes(':secret:'));
    expect(secrets.map((r) => r.name).sort()).toEqual(['prod-eu-1:secret:telemetry/grafana-admin', 'prod-eu-1:secret:telemetry/lgtm-object-store']);
    for (const s of secrets) expect({ name: s.name, secret: isRpcSecret(s.inputs.stringData) }).toEqual({ name: s.name, secret: true });
    expect(pulumi.runtime.unwrapRpcSecret(secrets[0].inputs.stringData)).toEqual({ 'admin-user': 'root', 'admin-password': 'plain-pw-1' });
    // No provider given: the default provider.
    expect(registered.filter((r) => r.type.startsWith('kubernetes:') && r.provider !== '').map((r) => r.name)).toEqual([]);
  });

  test('GIVEN no secret config WHEN the program runs THEN no Secret is created (the referenced Secrets are assumed to exist)', async () => {
    const { regs } = await runProgram(stackConfig('fleet'), {});
    expect(regs.filter((r) => r.type === 'kubernetes:core/v1:Secret')).toEqual([]);
    expect(regs.filter((r) => r.type.startsWith('kubernetes:')).length).toBeGreaterThan(100);
  });
});

// ---------------------------------------------------------------------------
// Multi-cluster with the gateway address known only after deploy
// ---------------------------------------------------------------------------

describe('multi-cluster gateway behind a LoadBalancer', () => {
  const TLS_NAME = 'gateway.mgmt.example.com';
  const LB_HOST = 'a1b2.elb.example.com';

  /** The fleet config with the gateway's externalHost removed (and tlsServerName set when given). */
  function fleetWithoutHost(tlsServerName?: string): Record<string, unknown> {
    const config = structuredClone(stackConfig('fleet')) as any;
    const gw = config[`${PROJECT}:deployment`].multiCluster.management.telemetryGateway;
    delete gw.externalHost;
    if (tlsServerName) gw.tlsServerName = tlsServerName;
    return config;
  }

  afterEach(() => {
    loadBalancer = undefined;
  });

  test('GIVEN no externalHost but tlsServerName WHEN the gateway Service reports its LoadBalancer THEN the workload clusters dial that address and verify tlsServerName', async () => {
    loadBalancer = { cluster: 'mgmt', hostname: LB_HOST };
    const config = fleetWithoutHost(TLS_NAME);
    const { outputs, regs } = await runProgram(config, { telemetryGatewayToken: SECRETS.telemetryGatewayToken });
    expect(await valueOf(outputs.gatewayAddress)).toBe(`${LB_HOST}:4317`);

    for (const cluster of ['workload-eu', 'workload-us']) {
      const pods = regs.filter((r) => r.name.startsWith(`${cluster}:`) && ['kubernetes:apps/v1:Deployment', 'kubernetes:apps/v1:DaemonSet'].includes(r.type));
      const envs = pods.flatMap((r) => containers(r.inputs).flatMap((c) => (c.env ?? []).filter((v: any) => v.name === GATEWAY_ENDPOINT_ENV)));
      expect(envs.length).toBeGreaterThanOrEqual(3); // the logs, traces and metrics collectors
      expect(envs).toEqual(envs.map(() => ({ name: GATEWAY_ENDPOINT_ENV, value: `${LB_HOST}:4317` })));

      // The signal collectors export to the gateway (the node agent forwards to them in-cluster).
      const exporters = collectorConfigs(regs, cluster)
        .filter(({ name }) => name !== 'otel-agent-config')
        .flatMap(({ config: c }) => Object.entries<any>(c.exporters).filter(([id]) => id !== 'debug').map(([, x]) => x));
      expect(exporters.length).toBeGreaterThanOrEqual(3);
      for (const x of exporters) {
        expect(x.endpoint).toBe(`\${env:${GATEWAY_ENDPOINT_ENV}}`);
        expect(x.tls.server_name_override).toBe(TLS_NAME);
      }
    }
    expect(JSON.stringify(regs)).not.toContain(PENDING_GATEWAY_HOST);

    // Everything else is what cdk8s renders for the same fleet with that host configured.
    const deployment = structuredClone(config[`${PROJECT}:deployment`]) as any;
    deployment.multiCluster.management.telemetryGateway.externalHost = LB_HOST;
    const expected = synthByCluster({ source: 'fleet-with-lb-host', config: validateConfig(deployment) as LgtmConfig });
    const configSecrets = new Set(['mgmt', 'workload-eu', 'workload-us'].map((c) => `${c}:secret:telemetry/telemetry-gateway-auth`));
    for (const [cluster, manifests] of expected) {
      const want = Object.fromEntries(manifests.map((m) => [expectedName(cluster, m), { type: typeToken(m), inputs: m }]));
      expect(k8sObjects(regs, cluster, configSecrets)).toStrictEqual(want);
    }
  });

  test('GIVEN a gateway Service status WHEN its address is read THEN it is the first ingress hostname or IP, and no ingress is an error, not an in-cluster fallback', () => {
    const svc = 'mgmt:service:telemetry/otel-gateway';
    expect(loadBalancerAddress({ loadBalancer: { ingress: [{ hostname: LB_HOST }, { ip: '10.0.0.9' }] } }, 4317, svc)).toBe(`${LB_HOST}:4317`);
    expect(loadBalancerAddress({ loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } }, 443, svc)).toBe('203.0.113.7:443');
    expect(loadBalancerAddress({ loadBalancer: { ingress: [{ ip: '2001:db8::7' }] } }, 4317, svc)).toBe('[2001:db8::7]:4317');
    for (const status of [undefined, {}, { loadBalancer: {} }, { loadBalancer: { ingress: [] } }, { loadBalancer: { ingress: [{ hostname: '' }] } }]) {
      expect(() => loadBalancerAddress(status, 4317, svc)).toThrow(
        'multiCluster.management.telemetryGateway.externalHost: undefined (missing) is invalid; allowed: the DNS name workload clusters dial: mgmt:service:telemetry/otel-gateway reports no LoadBalancer address',
      );
    }
  });

  test('GIVEN no externalHost and a NodePort gateway WHEN the program runs THEN it fails naming externalHost', () => {
    const config = fleetWithoutHost(TLS_NAME) as any;
    config[`${PROJECT}:deployment`].multiCluster.management.telemetryGateway.serviceType = 'NodePort';
    setConfig(config, {});
    expect(() => run()).toThrow(/multiCluster\.management\.telemetryGateway\.externalHost: undefined \(missing\) is invalid; allowed: .*serviceType "NodePort"/);
  });

  test('GIVEN neither externalHost nor tlsServerName WHEN the program runs THEN it fails naming multiCluster.management.telemetryGateway.tlsServerName', () => {
    registered.length = 0;
    setConfig(fleetWithoutHost(), {});
    let error: unknown;
    try {
      run();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.field)).toEqual(['multiCluster.management.telemetryGateway.tlsServerName']);
    expect((error as Error).message).toContain('multiCluster.management.telemetryGateway.tlsServerName: undefined (missing) is invalid');
    expect(registered.filter((r) => r.type.startsWith('kubernetes:'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Invalid config fails like the cdk8s path
// ---------------------------------------------------------------------------

describe('invalid Pulumi config', () => {
  /** The error loading the same deployment from a file (the cdk8s path) gives. */
  function cdk8sError(deployment: unknown): ValidationError {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-pulumi-'));
    try {
      const file = path.join(dir, 'config.json');
      fs.writeFileSync(file, JSON.stringify(deployment));
      loadConfigFile(file);
    } catch (err) {
      return err as ValidationError;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    throw new Error('the cdk8s path accepted the config');
  }

  function runError(config: Record<string, unknown>): unknown {
    registered.length = 0;
    setConfig(config, { grafanaAdminPassword: SECRETS.grafanaAdminPassword });
    try {
      run();
    } catch (err) {
      return err;
    }
    return undefined;
  }

  test.each([
    ['layout', { layout: 'galaxy' }, 'layout: "galaxy" is invalid'],
    ['loki.retention', { loki: { retention: '5x' } }, 'loki.retention: "5x" is invalid'],
  ])('GIVEN an invalid %s WHEN the program runs THEN it fails with the same field-path error as cdk8s, before any Kubernetes object', (_field, patch, message) => {
    const config = stackConfig('dev');
    const deployment = { ...(config[`${PROJECT}:deployment`] as object), ...patch };
    const error = runError({ ...config, [`${PROJECT}:deployment`]: deployment });
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain('pulumi config "otel-lgtm-k8s:deployment"');
    expect((error as ValidationError).problems).toEqual(cdk8sError(deployment).problems);
    expect(registered.filter((r) => r.type.startsWith('kubernetes:'))).toEqual([]);
  });

  test('GIVEN a clusters entry naming no cluster of the deployment WHEN the program runs THEN it fails naming the entry', () => {
    const config = stackConfig('fleet');
    const error = runError({ ...config, [`${PROJECT}:clusters`]: { mgmt: { context: 'mgmt' }, 'workload-eu': { context: 'eu' }, 'workload-ue': { context: 'us' } } });
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      { field: 'clusters.workload-ue', value: 'workload-ue', allowed: 'a cluster of the deployment: mgmt, workload-eu, workload-us' },
    ]);
    expect((error as Error).message).toContain('pulumi config "otel-lgtm-k8s:clusters"');
    expect(registered).toEqual([]);
  });

  test('GIVEN two clusters of a fleet without a clusters entry WHEN the program runs THEN it fails (both would land in the default cluster)', () => {
    const config = stackConfig('fleet');
    const error = runError({ ...config, [`${PROJECT}:clusters`]: { mgmt: { context: 'mgmt' } } });
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      { field: 'clusters', value: ['workload-eu', 'workload-us'], allowed: 'an entry for every cluster of the deployment, except at most one that uses the default provider' },
    ]);
    expect(registered).toEqual([]);
  });

  test('GIVEN a clusters entry without context or kubeconfig WHEN the program runs THEN it fails naming the entry', () => {
    const config = stackConfig('dev');
    const error = runError({ ...config, [`${PROJECT}:clusters`]: { laptop: { cotnext: 'kind-laptop' } } });
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('clusters.laptop');
  });
});
