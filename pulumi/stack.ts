import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { GATEWAY_ENDPOINT_ENV } from '../components/collector';
import { Endpoint } from '../lib/endpoint';
import { Manifest, registerManifests } from '../lib/pulumi';
import { unknownFieldAllowed } from '../lib/schema';
import { Rule, validate, ValidationError } from '../lib/validation';
import { addCharts, checkRendered, LayoutChart } from '../stacks/build';
import { LgtmConfig, validateConfig, WorkloadClusterConfig } from '../stacks/config';
import { synthCharts } from '../stacks/render';

/** Secret values from Pulumi secret config; each becomes a Kubernetes Secret named as the config references it. */
export interface LgtmSecrets {
  /** Grafana admin user. @default 'admin' */
  readonly grafanaAdminUser?: pulumi.Input<string>;
  /** Grafana admin password (creates the Secret `grafana.adminSecret`). */
  readonly grafanaAdminPassword?: pulumi.Input<string>;
  /** Object-store access key id and secret key (create the Secrets named in `*.storage.s3.credentials`). */
  readonly objectStoreAccessKeyId?: pulumi.Input<string>;
  readonly objectStoreSecretAccessKey?: pulumi.Input<string>;
  /** Bearer token of the telemetry gateway (creates the token Secrets in the management and every workload cluster). */
  readonly telemetryGatewayToken?: pulumi.Input<string>;
}

export interface LgtmStackArgs {
  /** The deployment, in the same schema as the cdk8s config files (validated the same way). */
  readonly config: unknown;
  /** Secret values, kept secret in state and never in plain config or manifests. */
  readonly secrets?: LgtmSecrets;
  /**
   * One provider per cluster, keyed by cluster name (`clusterName`, or the
   * management and workload cluster names). A cluster without an entry uses
   * the default provider.
   */
  readonly providers?: Record<string, k8s.Provider>;
}

/** Per-cluster outputs. */
export interface ClusterOutputs {
  /** OTLP gRPC and HTTP endpoints apps send to (the node agents, else the collectors). */
  readonly otlp?: { readonly grpc: string; readonly http: string };
}

/**
 * The whole LGTM deployment as one Pulumi component: renders the chosen
 * layout with the same code as `cdk8s synth` and registers every Kubernetes
 * object as its own resource (stable logical names, `parent: this`, one
 * provider per cluster). In multi-cluster deployments whose gateway address
 * is only known after deploy (a LoadBalancer), the address flows as an Output
 * into the workload clusters' collectors.
 */
export class LgtmStack extends pulumi.ComponentResource {
  /** Grafana's Service (in the cluster that runs Grafana). */
  public readonly grafanaService?: pulumi.Output<{ name: string; namespace: string; port: number }>;
  /** The management gateway's address workload clusters dial (`host:port`). */
  public readonly gatewayAddress?: pulumi.Output<string>;
  /** OTLP endpoints per cluster. */
  public readonly clusters: Record<string, ClusterOutputs>;
  /** Every registered Kubernetes object, by logical name. */
  public readonly resources: Map<string, pulumi.CustomResource>;

  constructor(name: string, args: LgtmStackArgs, opts?: pulumi.ComponentResourceOptions) {
    // Every input is checked before the component registers anything.
    const config = validateConfig(args?.config, 'pulumi config "otel-lgtm-k8s:deployment"', 'pulumi');
    validate('LgtmStack args', lgtmStackRules(args, config));
    const mc = config.multiCluster;
    const externalHost = mc?.management.telemetryGateway.externalHost;
    super('otel-lgtm-k8s:index:LgtmStack', name, {}, opts);
    const secrets = args.secrets ?? {};
    const provider = (cluster: string) => args.providers?.[cluster];

    const app = new App();
    const charts = addCharts(app, config, { gatewayHost: mc && !externalHost ? PENDING_GATEWAY_HOST : undefined });
    this.resources = new Map();
    this.clusters = {};

    // Every chart rendered in one pass over the app (chart.toJson() per chart would re-walk the whole app each time).
    const rendered = synthCharts(app);
    const workloadConfigs = new Map<string, WorkloadClusterConfig>((mc?.workloadClusters ?? []).map((w) => [w.name, w]));
    let gatewayAddress: pulumi.Output<string> | undefined;
    for (const chart of charts) {
      const cluster = clusterOf(chart, config);
      const objects = rendered.get(chart) as Manifest[];
      checkRendered(objects, cluster, 'pulumi config "otel-lgtm-k8s:deployment"');
      const patched = chart.role === 'workload' && gatewayAddress && !externalHost ? objects.map((o) => withGatewayEndpoint(o, gatewayAddress!)) : objects;
      // Secrets from secret config live in the stack's Namespace: created after it, before the objects that use them.
      const registered = registerManifests({
        cluster,
        objects: patched,
        parent: this,
        provider: provider(cluster),
        afterNamespaces: (namespaces) => this.createSecrets(cluster, chart, config, secrets, workloadConfigs, provider(cluster), namespaces.get(chart.namespace!)),
      });
      for (const [k, v] of registered) this.resources.set(k, v);

      const ingest = chart.collection.agent?.endpoints ?? chart.collection.logs?.endpoints;
      if (ingest) this.clusters[cluster] = { otlp: { grpc: ingest.otlpGrpc.hostPort, http: ingest.otlpHttp.url() } };

      if (chart.role === 'management') {
        const gw = chart.gateway.endpoints.otlpGrpc;
        const port = mc!.management.telemetryGateway.port ?? gw.port;
        if (externalHost) {
          gatewayAddress = pulumi.output(`${externalHost}:${port}`);
        } else {
          const svc = registered.get(`${cluster}:service:${gw.namespace}/${gw.service}`) as k8s.core.v1.Service;
          gatewayAddress = svc.status.apply((s) => loadBalancerAddress(s, port, `${cluster}:service:${gw.namespace}/${gw.service}`));
        }
      }
      const grafana = backendsOf(chart)?.grafana;
      if (grafana) this.grafanaService = pulumi.output(serviceOf(grafana.endpoints.http));
    }
    this.gatewayAddress = gatewayAddress;
    this.registerOutputs({ grafanaService: this.grafanaService, gatewayAddress: this.gatewayAddress, clusters: this.clusters });
  }

  /**
   * Creates, from Pulumi secret config, the Secrets this cluster's objects
   * reference. A Secret whose value is not configured is assumed to exist.
   */
  private createSecrets(
    cluster: string,
    chart: LayoutChart,
    config: LgtmConfig,
    s: LgtmSecrets,
    workloadConfigs: ReadonlyMap<string, WorkloadClusterConfig>,
    provider?: k8s.Provider,
    namespaceResource?: pulumi.Resource,
  ): pulumi.Resource[] {
    const namespace = chart.namespace!;
    const data = new Map<string, Record<string, pulumi.Input<string>>>();
    const put = (name: string, key: string, value: pulumi.Input<string> | undefined) => {
      if (value === undefined) return;
      data.set(name, { ...(data.get(name) ?? {}), [key]: pulumi.secret(value) });
    };
    const backends = backendsOf(chart);
    if (backends?.grafana && s.grafanaAdminPassword !== undefined) {
      const ref = config.grafana?.adminSecret;
      const secretName = ref?.name ?? 'grafana-admin';
      put(secretName, ref?.userKey ?? 'admin-user', s.grafanaAdminUser ?? 'admin');
      put(secretName, ref?.passwordKey ?? 'admin-password', s.grafanaAdminPassword);
    }
    if (backends) {
      for (const s3 of [config.loki?.storage?.s3, config.tempo?.storage?.s3]) {
        // Without credentials the pods use their own identity (IRSA, workload identity): nothing to create.
        if (!s3?.credentials) continue;
        put(s3.credentials.accessKeyId.name, s3.credentials.accessKeyId.key, s.objectStoreAccessKeyId);
        put(s3.credentials.secretAccessKey.name, s3.credentials.secretAccessKey.key, s.objectStoreSecretAccessKey);
      }
    }
    if (chart.role === 'management') {
      const ref = config.multiCluster!.management.telemetryGateway.authTokenSecret;
      put(ref.name, ref.key, s.telemetryGatewayToken);
    }
    if (chart.role === 'workload') {
      const wc = workloadConfigs.get(chart.clusterName)!;
      put(wc.gatewayTokenSecret.name, wc.gatewayTokenSecret.key, s.telemetryGatewayToken);
    }
    return [...data.entries()].map(
      ([secretName, stringData]) =>
        new k8s.core.v1.Secret(
          `${cluster}:secret:${namespace}/${secretName}`,
          { metadata: { name: secretName, namespace, labels: { 'app.kubernetes.io/part-of': 'lgtm', 'app.kubernetes.io/managed-by': 'pulumi' } }, type: 'Opaque', stringData },
          { parent: this, provider, additionalSecretOutputs: ['data', 'stringData'], dependsOn: namespaceResource ? [namespaceResource] : [], deleteBeforeReplace: true },
        ),
    );
  }
}

/** The secret values LgtmStack knows. */
const SECRET_KEYS: readonly (keyof LgtmSecrets)[] = ['grafanaAdminUser', 'grafanaAdminPassword', 'objectStoreAccessKeyId', 'objectStoreSecretAccessKey', 'telemetryGatewayToken'];

/** The cluster names of a deployment, in chart order. */
export function clusterNames(config: LgtmConfig): string[] {
  return config.multiCluster ? [config.multiCluster.management.name, ...config.multiCluster.workloadClusters.map((w) => w.name)] : [config.clusterName!];
}

/**
 * The rules of {@link LgtmStackArgs} beyond the config: every `providers` key
 * names a cluster of the deployment and holds a Kubernetes provider, at most
 * one cluster is left to the default provider (two would put both clusters'
 * objects, with the same names, into the ambient cluster), and `secrets` has
 * only known keys with string (or Output) values, never echoed.
 */
function lgtmStackRules(args: LgtmStackArgs, config: LgtmConfig): Rule[] {
  const names = clusterNames(config);
  const providers = args.providers;
  const rules: Rule[] = [
    {
      field: 'providers',
      value: providers,
      ok: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v),
      allowed: `a map from cluster name (${names.join(', ')}) to a Kubernetes provider`,
    },
  ];
  const given = typeof providers === 'object' && providers !== null ? Object.entries(providers) : [];
  for (const [cluster, provider] of given) {
    rules.push(
      { field: `providers.${cluster}`, value: cluster, ok: (v: string) => names.includes(v), allowed: `a cluster of the deployment: ${names.join(', ')}` },
      { field: `providers.${cluster}`, value: provider === undefined ? undefined : typeof provider, required: true, ok: () => pulumi.ProviderResource.isInstance(provider), allowed: 'a Kubernetes provider (new k8s.Provider(...))' },
    );
  }
  const unassigned = names.filter((n) => !given.some(([k]) => k === n));
  rules.push({
    field: 'providers',
    value: unassigned.length > 1 ? `no entry for ${unassigned.join(', ')}` : undefined,
    ok: () => false,
    allowed: 'an entry for every cluster of the deployment, except at most one that uses the default provider (two clusters would land in one)',
  });
  const secrets = args.secrets;
  rules.push({ field: 'secrets', value: secrets, ok: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v), allowed: `an object with the fields ${SECRET_KEYS.join(', ')}`, sensitive: true });
  if (typeof secrets === 'object' && secrets !== null) {
    for (const [k, v] of Object.entries(secrets)) {
      if (!(SECRET_KEYS as readonly string[]).includes(k)) {
        rules.push({ field: `secrets.${k}`, value: k, ok: () => false, allowed: unknownFieldAllowed(k, SECRET_KEYS), sensitive: true });
        continue;
      }
      rules.push({
        field: `secrets.${k}`,
        value: v,
        ok: (x: unknown) => (typeof x === 'string' && x.length > 0) || pulumi.Output.isInstance(x) || x instanceof Promise,
        allowed: 'a non-empty string or a Pulumi Output (e.g. cfg.requireSecret(...))',
        sensitive: true,
      });
    }
  }
  return rules;
}

/** Placeholder host rendered into workload clusters until the gateway's LoadBalancer address is known. */
export const PENDING_GATEWAY_HOST = 'pending-telemetry-gateway.invalid';

function clusterOf(chart: LayoutChart, config: LgtmConfig): string {
  return chart.role === 'management' || chart.role === 'workload' ? chart.clusterName : config.clusterName!;
}

function backendsOf(chart: LayoutChart) {
  return chart.role === 'workload' ? undefined : chart.backends;
}

function serviceOf(e: Endpoint): { name: string; namespace: string; port: number } {
  return { name: e.service, namespace: e.namespace, port: e.port };
}

/**
 * `host:port` of the first LoadBalancer ingress of a Service status (hostname,
 * else IP; IPv6 in brackets). Fails when there is none: falling back to the
 * in-cluster name would leave the workload clusters dialing a name that does
 * not resolve there.
 */
export function loadBalancerAddress(status: { loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] } } | undefined, port: number, service: string): string {
  const ingress = status?.loadBalancer?.ingress?.[0];
  const host = ingress?.hostname || ingress?.ip;
  if (!host) {
    throw new ValidationError(
      [{ field: 'multiCluster.management.telemetryGateway.externalHost', value: undefined, allowed: `the DNS name workload clusters dial: ${service} reports no LoadBalancer address` }],
      'LgtmStack',
    );
  }
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Replaces the gateway endpoint env value of every container with the (Output) address. */
export function withGatewayEndpoint(m: Manifest, address: pulumi.Input<string>): Manifest {
  const spec = m.spec?.template?.spec;
  if (!spec?.containers) return m;
  const containers = spec.containers.map((c: any) => ({
    ...c,
    env: c.env?.map((e: any) => (e.name === GATEWAY_ENDPOINT_ENV ? { name: e.name, value: address } : e)),
  }));
  return { ...m, spec: { ...m.spec, template: { ...m.spec.template, spec: { ...spec, containers } } } };
}
