/**
 * The one configuration schema of a deployment, shared by the cdk8s entry
 * point (`npm run synth`) and the Pulumi program. It is published as JSON
 * Schema (`schema/lgtm-config.schema.json`, generated from {@link CONFIG_SCHEMA})
 * so editors complete and check config files.
 *
 * Validation happens in two steps, both before any object is built or any
 * file written: the JSON Schema (structure, types, formats, unknown fields)
 * and a table of cross-field rules. Every error names the field path, the
 * value and what is allowed.
 */
import Ajv, { ErrorObject } from 'ajv';
import { formatValue, Problem, ValidationError } from '../lib/validation';

export type Layout = 'single-node' | 'per-cluster' | 'multi-cluster';
export const LAYOUTS: readonly Layout[] = ['single-node', 'per-cluster', 'multi-cluster'];

export interface SecretRefConfig {
  readonly name: string;
  readonly key: string;
}

export interface ResourcesConfig {
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

export interface VolumeConfig {
  readonly size?: string;
  readonly storageClassName?: string;
}

export interface S3Config {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region?: string;
  readonly insecure?: boolean;
  readonly forcePathStyle?: boolean;
  readonly credentials: { readonly accessKeyId: SecretRefConfig; readonly secretAccessKey: SecretRefConfig };
}

export interface ObjectStorageConfig {
  readonly volume?: VolumeConfig;
  readonly s3?: S3Config;
}

export interface LokiSection {
  readonly enabled?: boolean;
  readonly resources?: ResourcesConfig;
  readonly storage?: ObjectStorageConfig;
  /** Log retention, e.g. `744h` or `30d` (at least 24h), or `forever` to keep logs. */
  readonly retention?: string;
  /** Tenant id; enables Loki multi-tenancy (X-Scope-OrgID). */
  readonly tenant?: string;
}

export interface TempoSection {
  readonly enabled?: boolean;
  readonly resources?: ResourcesConfig;
  readonly storage?: ObjectStorageConfig;
  /** Trace block retention, e.g. `336h`. */
  readonly retention?: string;
}

export interface PrometheusSection {
  readonly enabled?: boolean;
  readonly resources?: ResourcesConfig;
  readonly storage?: { readonly volume?: VolumeConfig };
  readonly retention?: { readonly time?: string; readonly size?: string };
  readonly scrapeInterval?: string;
}

export interface GrafanaSection {
  readonly enabled?: boolean;
  readonly resources?: ResourcesConfig;
  /** Secret holding the admin user and password. */
  readonly adminSecret?: { readonly name: string; readonly userKey?: string; readonly passwordKey?: string };
}

export interface CollectorsConfig {
  /** How the three signal collectors run. */
  readonly mode?: 'Deployment' | 'DaemonSet';
  /** Replicas for Deployment mode. */
  readonly replicas?: number;
  readonly resources?: ResourcesConfig;
  /** Add the debug exporter to every pipeline. */
  readonly debug?: boolean;
  /** How metrics reach Prometheus: remote-write push or Prometheus scraping the collector. */
  readonly metricsExport?: 'push' | 'pull';
}

export interface AgentsConfig {
  readonly enabled?: boolean;
  readonly resources?: ResourcesConfig;
  /** Metric names kept by the node agents (the "minimum metric set"). */
  readonly metricAllowlist?: string[];
}

export interface GatewayRefConfig {
  readonly name: string;
  readonly namespace: string;
  /** Service name reported in traces. @default the Gateway name */
  readonly serviceName?: string;
}

export interface GatewayPoliciesConfig {
  /** kgateway policy API: HTTPListenerPolicy (kgateway 2.1/2.2) or ListenerPolicy (kgateway >= 2.2). */
  readonly api?: 'HTTPListenerPolicy' | 'ListenerPolicy';
  readonly gateways: GatewayRefConfig[];
  /** Percentage (0-100) of requests traced. */
  readonly samplingPercent?: number;
}

export interface TelemetryGatewayConfig {
  /** DNS name (or IP) the workload clusters dial; omit with the Pulumi front end to use the LoadBalancer address. */
  readonly externalHost?: string;
  /** Port the workload clusters dial. @default 4317 (the gateway Service's OTLP gRPC port) */
  readonly port?: number;
  /** Name in the gateway's TLS certificate that clients verify. @default externalHost */
  readonly tlsServerName?: string;
  readonly serviceType?: 'LoadBalancer' | 'NodePort' | 'ClusterIP';
  readonly replicas?: number;
  readonly resources?: ResourcesConfig;
  /** kubernetes.io/tls Secret with the gateway's certificate and key (tls.crt, tls.key). */
  readonly tlsSecret: string;
  /** Bearer token the gateway accepts. */
  readonly authTokenSecret: SecretRefConfig;
}

export interface WorkloadClusterConfig {
  /** Cluster name stamped on every signal. */
  readonly name: string;
  readonly gatewayPolicies?: GatewayPoliciesConfig;
  readonly collectors?: CollectorsConfig;
  readonly agents?: AgentsConfig;
  /** Secret (in the workload cluster) with the CA bundle that signed the gateway certificate, key ca.crt. */
  readonly gatewayCaSecret?: SecretRefConfig;
  /** Secret (in the workload cluster) with the bearer token for the gateway. */
  readonly gatewayTokenSecret: SecretRefConfig;
}

export interface MultiClusterConfig {
  readonly management: {
    readonly name: string;
    readonly telemetryGateway: TelemetryGatewayConfig;
    readonly gatewayPolicies?: GatewayPoliciesConfig;
  };
  readonly workloadClusters: WorkloadClusterConfig[];
}

export interface LgtmConfig {
  /** Editor hint: path or URL of the JSON Schema. */
  readonly $schema?: string;
  readonly layout: Layout;
  /** Deployment name, appended to output file names. @default the layout */
  readonly name?: string;
  /** Namespace of the stack. @default 'telemetry' */
  readonly namespace?: string;
  /** The cluster's name (single-node and per-cluster), stamped on every signal. */
  readonly clusterName?: string;
  readonly loki?: LokiSection;
  readonly tempo?: TempoSection;
  readonly prometheus?: PrometheusSection;
  readonly grafana?: GrafanaSection;
  readonly collectors?: CollectorsConfig;
  readonly agents?: AgentsConfig;
  readonly gatewayPolicies?: GatewayPoliciesConfig;
  readonly multiCluster?: MultiClusterConfig;
}

// ---------------------------------------------------------------------------
// JSON Schema (draft-07). Descriptions double as the "allowed" text of errors.
// ---------------------------------------------------------------------------

const DNS_LABEL = '^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DURATION_BODY = '(?=[0-9])([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?';
const DURATION = `^${DURATION_BODY}$`;
const QUANTITY = '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$';
const BYTE_SIZE = '^[0-9]+(B|KB|MB|GB|TB|PB|EB)$';

const str = (pattern: string, description: string) => ({ type: 'string', pattern, description });
const obj = (properties: Record<string, unknown>, required: string[] = [], description?: string) => ({
  type: 'object',
  additionalProperties: false,
  properties,
  ...(required.length ? { required } : {}),
  ...(description ? { description } : {}),
});

const secretRef = obj(
  {
    name: str(DNS_SUBDOMAIN, 'a Secret name (DNS-1123 subdomain)'),
    key: str('^[-._a-zA-Z0-9]+$', 'a Secret data key: letters, digits, "-", "_" or "."'),
  },
  ['name', 'key'],
  'a reference to one key of a Kubernetes Secret',
);
const quantity = str(QUANTITY, 'a Kubernetes quantity such as "100m", "0.5", "256Mi" or "10Gi"');
const resources = obj(
  {
    requests: obj({ cpu: quantity, memory: quantity }),
    limits: obj({ cpu: quantity, memory: quantity }),
  },
  [],
  'container requests and limits (unset fields keep the component defaults)',
);
const duration = str(DURATION, 'a duration such as "30s", "15m", "24h", "30d" (units ms, s, m, h, d, w, y)');
const volume = obj({ size: quantity, storageClassName: str(DNS_SUBDOMAIN, 'a StorageClass name') });
const s3 = obj(
  {
    endpoint: str('^[A-Za-z0-9.-]+(:[0-9]{1,5})?$', 'a host with optional port and no scheme, such as "s3.eu-west-1.amazonaws.com"'),
    bucket: str('^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', 'an S3 bucket name'),
    region: str('^[a-z0-9-]+$', 'a region such as "eu-west-1"'),
    insecure: { type: 'boolean' },
    forcePathStyle: { type: 'boolean' },
    credentials: obj({ accessKeyId: secretRef, secretAccessKey: secretRef }, ['accessKeyId', 'secretAccessKey']),
  },
  ['endpoint', 'bucket', 'credentials'],
);
const objectStorage = obj({ volume, s3 });
const enabled = { type: 'boolean', description: 'deploy this component' };
const collectors = obj({
  mode: { enum: ['Deployment', 'DaemonSet'] },
  replicas: { type: 'integer', minimum: 1, maximum: 20 },
  resources,
  debug: { type: 'boolean' },
  metricsExport: { enum: ['push', 'pull'] },
});
const agents = obj({
  enabled,
  resources,
  metricAllowlist: { type: 'array', items: str('^[a-zA-Z_:][a-zA-Z0-9_:.]*$', 'a metric name'), minItems: 1, uniqueItems: true },
});
const gatewayPolicies = obj(
  {
    api: { enum: ['HTTPListenerPolicy', 'ListenerPolicy'] },
    gateways: {
      type: 'array',
      items: obj(
        {
          name: str(DNS_SUBDOMAIN, 'a Gateway name'),
          namespace: str(DNS_LABEL, 'a namespace name'),
          serviceName: { type: 'string', minLength: 1 },
        },
        ['name', 'namespace'],
      ),
    },
    samplingPercent: { type: 'integer', minimum: 0, maximum: 100, description: 'a whole percentage from 0 to 100' },
  },
  ['gateways'],
);

export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'otel-lgtm-k8s deployment configuration',
  ...obj(
    {
      $schema: { type: 'string' },
      layout: { enum: [...LAYOUTS], description: 'the layout to render' },
      name: str(DNS_LABEL, 'a DNS-1035 label'),
      namespace: str(DNS_LABEL, 'a namespace name (DNS-1035 label)'),
      clusterName: str(DNS_SUBDOMAIN, 'a cluster name (DNS-1123 subdomain)'),
      loki: obj({
        enabled,
        resources,
        storage: objectStorage,
        retention: str(`^(forever|${DURATION_BODY})$`, 'a duration of at least 24h such as "744h" or "30d", or "forever" (no deletion)'),
        tenant: str('^[A-Za-z0-9!._*\'()-]{1,150}$', 'a Loki tenant id'),
      }),
      tempo: obj({ enabled, resources, storage: objectStorage, retention: duration }),
      prometheus: obj({
        enabled,
        resources,
        storage: obj({ volume }),
        retention: obj({ time: duration, size: str(BYTE_SIZE, 'a size such as "10GB"') }),
        scrapeInterval: duration,
      }),
      grafana: obj({
        enabled,
        resources,
        adminSecret: obj(
          {
            name: str(DNS_SUBDOMAIN, 'a Secret name'),
            userKey: { type: 'string', minLength: 1 },
            passwordKey: { type: 'string', minLength: 1 },
          },
          ['name'],
        ),
      }),
      collectors,
      agents,
      gatewayPolicies,
      multiCluster: obj(
        {
          management: obj(
            {
              name: str(DNS_SUBDOMAIN, 'a cluster name'),
              telemetryGateway: obj(
                {
                  externalHost: str('^[A-Za-z0-9.-]+$', 'a DNS name or IP address'),
                  port: { type: 'integer', minimum: 1, maximum: 65535, description: 'a port from 1 to 65535' },
                  tlsServerName: str('^[A-Za-z0-9.-]+$', 'a DNS name in the gateway certificate'),
                  serviceType: { enum: ['LoadBalancer', 'NodePort', 'ClusterIP'] },
                  replicas: { type: 'integer', minimum: 1, maximum: 20 },
                  resources,
                  tlsSecret: str(DNS_SUBDOMAIN, 'a kubernetes.io/tls Secret name'),
                  authTokenSecret: secretRef,
                },
                ['tlsSecret', 'authTokenSecret'],
              ),
              gatewayPolicies,
            },
            ['name', 'telemetryGateway'],
          ),
          workloadClusters: {
            type: 'array',
            minItems: 1,
            items: obj(
              {
                name: str(DNS_SUBDOMAIN, 'a cluster name'),
                gatewayPolicies,
                collectors,
                agents,
                gatewayCaSecret: secretRef,
                gatewayTokenSecret: secretRef,
              },
              ['name', 'gatewayTokenSecret'],
            ),
          },
        },
        ['management', 'workloadClusters'],
      ),
    },
    ['layout'],
  ),
} as const;

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

const ajv = new Ajv({ allErrors: true, strict: false });
const schemaCheck = ajv.compile(CONFIG_SCHEMA);

/** The value at a JSON pointer-ish instance path. */
function valueAt(root: unknown, instancePath: string): unknown {
  let cur: any = root;
  for (const seg of instancePath.split('/').slice(1)) {
    if (cur === undefined || cur === null) return undefined;
    cur = cur[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

/** `/multiCluster/workloadClusters/0/name` → `multiCluster.workloadClusters[0].name`. */
function fieldPath(instancePath: string, extra?: string): string {
  const segs = instancePath.split('/').slice(1);
  if (extra !== undefined) segs.push(extra);
  let out = '';
  for (const s of segs) out += /^\d+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`;
  return out === '' ? '(root)' : out;
}

function schemaAt(instancePathSchema: string): any {
  let cur: any = CONFIG_SCHEMA;
  for (const seg of instancePathSchema.split('/').slice(1)) {
    if (seg === '#') continue;
    cur = cur?.[seg];
  }
  return cur;
}

function toProblem(config: unknown, e: ErrorObject): Problem {
  switch (e.keyword) {
    case 'additionalProperties': {
      const parent = schemaAt(e.schemaPath.replace(/\/additionalProperties$/, ''));
      const known = Object.keys(parent?.properties ?? {});
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      return { field: fieldPath(e.instancePath, prop), value: valueAt(config, `${e.instancePath}/${prop}`), allowed: `no such field; known fields here: ${known.join(', ')}` };
    }
    case 'required': {
      const prop = (e.params as { missingProperty: string }).missingProperty;
      const s = schemaAt(e.schemaPath.replace(/\/required$/, ''))?.properties?.[prop];
      return { field: fieldPath(e.instancePath, prop), value: undefined, allowed: `a required field: ${s?.description ?? describe(s)}` };
    }
    case 'enum':
      return { field: fieldPath(e.instancePath), value: valueAt(config, e.instancePath), allowed: `one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    default: {
      const s = schemaAt(e.schemaPath.replace(/\/[^/]+$/, ''));
      return { field: fieldPath(e.instancePath), value: valueAt(config, e.instancePath), allowed: s?.description ?? `${e.message}` };
    }
  }
}

function describe(s: any): string {
  if (!s) return 'a value';
  if (s.enum) return `one of ${s.enum.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
  if (s.type === 'object') return `an object with fields ${Object.keys(s.properties ?? {}).join(', ')}`;
  return `a ${s.type}`;
}

/** Cross-field rules the JSON Schema cannot express. */
function semanticProblems(c: LgtmConfig): Problem[] {
  const p: Problem[] = [];
  if (c.layout !== 'multi-cluster') {
    if (c.clusterName === undefined) p.push({ field: 'clusterName', value: undefined, allowed: `a cluster name, required for layout "${c.layout}"` });
    if (c.multiCluster !== undefined) p.push({ field: 'multiCluster', value: '{…}', allowed: `only with layout "multi-cluster" (layout is "${c.layout}")` });
  } else {
    if (c.multiCluster === undefined) p.push({ field: 'multiCluster', value: undefined, allowed: 'the management and workload clusters, required for layout "multi-cluster"' });
    if (c.clusterName !== undefined) p.push({ field: 'clusterName', value: c.clusterName, allowed: 'not set with layout "multi-cluster" (name clusters under multiCluster)' });
    if (c.gatewayPolicies !== undefined) p.push({ field: 'gatewayPolicies', value: '{…}', allowed: 'not set with layout "multi-cluster": set it per cluster under multiCluster' });
    const mc = c.multiCluster;
    if (mc) {
      const seen = new Map<string, string>([[mc.management.name, 'multiCluster.management.name']]);
      mc.workloadClusters.forEach((w, i) => {
        const field = `multiCluster.workloadClusters[${i}].name`;
        const other = seen.get(w.name);
        if (other) p.push({ field, value: w.name, allowed: `a cluster name not already used by ${other}` });
        seen.set(w.name, field);
      });
    }
  }
  if (c.layout === 'single-node') {
    if (c.collectors?.replicas !== undefined && c.collectors.replicas !== 1) p.push({ field: 'collectors.replicas', value: c.collectors.replicas, allowed: '1 with layout "single-node"' });
    for (const k of ['loki', 'tempo'] as const) {
      if (c[k]?.storage?.s3) p.push({ field: `${k}.storage.s3`, value: '{…}', allowed: 'no object store with layout "single-node" (it uses small PVCs)' });
    }
  }
  const policiesIn: [string, GatewayPoliciesConfig | undefined][] = [
    ['gatewayPolicies', c.gatewayPolicies],
    ['multiCluster.management.gatewayPolicies', c.multiCluster?.management.gatewayPolicies],
    ...(c.multiCluster?.workloadClusters ?? []).map((w, i) => [`multiCluster.workloadClusters[${i}].gatewayPolicies`, w.gatewayPolicies] as [string, GatewayPoliciesConfig | undefined]),
  ];
  for (const [field, gp] of policiesIn) {
    const seen = new Set<string>();
    (gp?.gateways ?? []).forEach((g, i) => {
      const key = `${g.namespace}/${g.name}`;
      if (seen.has(key)) p.push({ field: `${field}.gateways[${i}]`, value: key, allowed: 'each Gateway listed once' });
      seen.add(key);
    });
  }
  return p;
}

/**
 * Validates a parsed config file. Returns the typed config or throws a
 * {@link ValidationError} listing every problem (field path, value, allowed).
 * @param source shown in the error (e.g. the file name)
 */
export function validateConfig(config: unknown, source?: string): LgtmConfig {
  if (!schemaCheck(config)) {
    const problems = dedupe((schemaCheck.errors ?? []).map((e) => toProblem(config, e)));
    throw new ValidationError(problems, source);
  }
  const problems = semanticProblems(config as unknown as LgtmConfig);
  if (problems.length > 0) throw new ValidationError(problems, source);
  return config as unknown as LgtmConfig;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.field}|${formatValue(p.value)}|${p.allowed}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
