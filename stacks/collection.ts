import { Construct } from 'constructs';
import {
  CLUSTER_NAME,
  COLLECTOR_MODE,
  COLLECTOR_REPLICAS,
  GatewayTarget,
  LOGS_COLLECTOR_DEFAULT_RESOURCES,
  LogsCollector,
  METRIC_ALLOWLIST,
  METRICS_COLLECTOR_DEFAULT_RESOURCES,
  METRICS_EXPORT_MODES,
  MetricsCollector,
  NODE_AGENT_DEFAULT_RESOURCES,
  NodeAgent,
  TRACES_COLLECTOR_DEFAULT_RESOURCES,
  TracesCollector,
} from '../components/collector';
import { DEFAULT_KGATEWAY_VERSION, GATEWAY_POLICY_APIS, GatewayTelemetryPolicies, KGATEWAY_VERSION_ALLOWED, KGATEWAY_VERSION_PATTERN, kgatewayVersionRules } from '../components/gateway-policies';
import { DEFAULT_COLLECTOR_QUEUE_SIZE, queueRules, sendingQueueOptions } from '../components/collector/queue';
import { resolveResources, resourceRules, ResourcesSchema } from '../lib/resources';
import { Bool, Documented, Enum, Int, List, Obj, Opt, Static, Str, validateProps } from '../lib/schema';
import { Rule } from '../lib/validation';
import { DNS1123_LABEL_ALLOWED, DNS1123_LABEL_PATTERN } from '../lib/values';
import { collectorAlerts } from '../dashboards/alerts/collector';
import { gatewayAlerts } from '../dashboards/alerts/gateway';
import { defaultDashboard } from '../dashboards/prebuilt';
import { deepFreeze } from '../lib/freeze';
import { Observable, ObservabilityContent } from '../lib/observability';
import { TelemetryBackends } from './backends';

/**
 * How the three signal collectors run, defined once: the config file's
 * `collectors` section (and `multiCluster.workloadClusters[].collectors`) is
 * exactly this, and {@link TelemetryCollection} takes it as its `collectors` prop.
 */
export const COLLECTOR_OPTIONS = Obj(
  {
    mode: Opt(COLLECTOR_MODE),
    replicas: Opt(Documented(COLLECTOR_REPLICAS, 'Deployment replicas of the logs and traces collectors (the metrics collector scrapes, so it runs once); not in DaemonSet mode.', '1')),
    resources: Opt(ResourcesSchema),
    metricsResources: Opt(Documented(ResourcesSchema, 'Resources of the metrics collector (it scrapes, so it usually needs more); `resources` when unset.')),
    debug: Opt(Bool({ doc: 'Add the debug exporter to every pipeline.', default: 'false' })),
    metricsExport: Opt(Enum(METRICS_EXPORT_MODES, { doc: 'How metrics reach Prometheus: remote-write push, or Prometheus scraping the collector (Deployment mode only).', default: 'push' })),
    gatewayQueue: Opt(
      sendingQueueOptions(
        DEFAULT_COLLECTOR_QUEUE_SIZE,
        "Multi-cluster workload clusters: the sending queue of the collectors' exporters to the telemetry gateway (the management cluster's collectors export to its own backends and ignore it).",
      ),
    ),
  },
  { doc: 'The logs, traces and metrics collectors.' },
);
export type CollectorOptions = Static<typeof COLLECTOR_OPTIONS>;

/** The node agents, defined once (config `agents`, {@link TelemetryCollection} prop `agents`). */
export const AGENT_OPTIONS = Obj(
  {
    enabled: Opt(Bool({ doc: 'Deploy the node agents (a DaemonSet apps send to on their own node).', default: 'true' })),
    resources: Opt(ResourcesSchema),
    metricAllowlist: Opt(METRIC_ALLOWLIST),
  },
  { doc: 'The node agents.' },
);
export type AgentOptions = Static<typeof AGENT_OPTIONS>;

/** A Gateway to instrument (gateway.networking.k8s.io). */
export const GATEWAY_REF = Obj(
  {
    name: Str(DNS1123_LABEL_PATTERN, `a Gateway name (${DNS1123_LABEL_ALLOWED})`, { maxLength: 63, doc: "The Gateway's name." }),
    namespace: Str(DNS1123_LABEL_PATTERN, `a namespace name (${DNS1123_LABEL_ALLOWED})`, { maxLength: 63, doc: "The Gateway's namespace; the policies are created there." }),
    serviceName: Opt(Str('^\\S(.*\\S)?$', 'a non-empty string without leading or trailing spaces, at most 255 characters', { maxLength: 255, doc: 'service.name of the Gateway\'s spans.', default: 'the Gateway name' })),
  },
  { allowed: 'a Gateway: { name, namespace, serviceName? }' },
);

/** The kgateway telemetry policies, defined once (config `gatewayPolicies`, {@link TelemetryCollection} prop `gatewayPolicies`). */
export const GATEWAY_POLICY_OPTIONS = Obj(
  {
    kgatewayVersion: Opt(
      Str(KGATEWAY_VERSION_PATTERN, KGATEWAY_VERSION_ALLOWED, { maxLength: 16, doc: 'The kgateway version of the cluster; it decides the policy kind.', default: DEFAULT_KGATEWAY_VERSION }),
    ),
    api: Opt(
      Enum(GATEWAY_POLICY_APIS, {
        doc: 'kgateway policy kind, when it must differ from the version\'s: HTTPListenerPolicy (kgateway 2.0-2.2) or ListenerPolicy (kgateway >= 2.2).',
        default: 'ListenerPolicy from kgateway 2.2, HTTPListenerPolicy before',
      }),
    ),
    gateways: List(GATEWAY_REF, 'a list of Gateways ({ name, namespace })', { maxItems: 200, doc: 'The Gateways whose access logs and traces are sent to the collectors.' }),
    samplingPercent: Opt(Int(0, 100, { allowed: 'a whole percentage from 0 to 100', doc: 'Percentage of requests traced.', default: "kgateway's default" })),
  },
  { doc: 'kgateway access-log and tracing policies for these Gateways.' },
);
export type GatewayPolicyOptions = Static<typeof GATEWAY_POLICY_OPTIONS>;

/** Where the collectors of a cluster export: their own backends, or a telemetry gateway. */
export type CollectionDestination = 'backends' | 'gateway';

/**
 * The rules of the collection options the schemas cannot express, each under
 * its path (`collectors`, `agents`, `gatewayPolicies` for the construct and
 * the config file alike; `multiCluster.workloadClusters[0].collectors` for a
 * workload cluster of the config file).
 */
export function collectionRules(
  o: { readonly collectors?: CollectorOptions; readonly agents?: AgentOptions; readonly gatewayPolicies?: GatewayPolicyOptions },
  paths: { readonly collectors: string; readonly agents: string; readonly gatewayPolicies: string },
  destination: CollectionDestination,
): Rule[] {
  const c = o.collectors ?? {};
  const p = paths.collectors;
  const rules: Rule[] = [
    { field: `${p}.replicas`, value: c.mode === 'DaemonSet' ? c.replicas : undefined, ok: () => false, allowed: 'unset in DaemonSet mode (one pod per node)' },
    {
      field: `${p}.metricsExport`,
      value: c.metricsExport === 'pull' && (c.mode === 'DaemonSet' || destination === 'gateway') ? c.metricsExport : undefined,
      ok: () => false,
      allowed:
        destination === 'gateway'
          ? '"push" or unset when the collectors export to the telemetry gateway (metrics are pushed over OTLP)'
          : '"push" in DaemonSet mode (Prometheus would scrape a random pod through the Service)',
    },
    ...resourceRules(`${p}.resources`, c.resources, resolveResources(LOGS_COLLECTOR_DEFAULT_RESOURCES, c.resources)),
    ...resourceRules(`${p}.resources`, c.resources, resolveResources(TRACES_COLLECTOR_DEFAULT_RESOURCES, c.resources)),
    ...resourceRules(`${p}.${c.metricsResources ? 'metricsResources' : 'resources'}`, undefined, resolveResources(METRICS_COLLECTOR_DEFAULT_RESOURCES, c.metricsResources ?? c.resources)),
    ...resourceRules(`${paths.agents}.resources`, o.agents?.resources, resolveResources(NODE_AGENT_DEFAULT_RESOURCES, o.agents?.resources)),
    ...queueRules(`${p}.gatewayQueue`, c.gatewayQueue),
    {
      field: `${p}.gatewayQueue.storage`,
      value: destination === 'gateway' && c.mode === 'DaemonSet' && c.gatewayQueue?.storage === 'persistentVolumeClaim' ? c.gatewayQueue.storage : undefined,
      ok: () => false,
      allowed: '"emptyDir" or "memory" in DaemonSet mode (a PVC per replica needs a StatefulSet)',
    },
  ];
  if (o.gatewayPolicies) rules.push(...kgatewayVersionRules(paths.gatewayPolicies, o.gatewayPolicies.kgatewayVersion, o.gatewayPolicies.api));
  const seen = new Map<string, number>();
  (Array.isArray(o.gatewayPolicies?.gateways) ? o.gatewayPolicies!.gateways : []).forEach((g, i) => {
    const key = `${g?.namespace}/${g?.name}`;
    const first = seen.get(key);
    rules.push({
      field: `${paths.gatewayPolicies}.gateways[${i}]`,
      value: first === undefined ? undefined : key,
      ok: () => false,
      allowed: `each Gateway listed once (also at ${paths.gatewayPolicies}.gateways[${first}])`,
    });
    if (first === undefined) seen.set(key, i);
  });
  return rules;
}

export interface TelemetryCollectionProps {
  readonly namespace: string;
  /** Stamped on every signal as `k8s.cluster.name`. */
  readonly clusterName: string;
  /** Where the signal collectors export: the local backends, or a remote telemetry gateway. */
  readonly destination: { readonly backends: TelemetryBackends } | { readonly gateway: GatewayTarget };
  readonly collectors?: CollectorOptions;
  readonly agents?: AgentOptions;
  readonly gatewayPolicies?: GatewayPolicyOptions;
}

/**
 * The collection layer of one cluster: the three signal collectors (each
 * exporting to its backend or to the management cluster's telemetry
 * gateway), node agents forwarding to them, and the kgateway policies that
 * send gateway access logs and traces to the collectors. A signal whose
 * backend is disabled gets no collector (and no policy).
 */
export class TelemetryCollection extends Construct implements Observable {
  public readonly metrics?: MetricsCollector;
  public readonly logs?: LogsCollector;
  public readonly traces?: TracesCollector;
  public readonly agent?: NodeAgent;
  public readonly policies?: GatewayTelemetryPolicies;

  constructor(scope: Construct, id: string, props: TelemetryCollectionProps) {
    // Validate everything before this construct (or any child) joins the tree.
    const paths = { collectors: 'collectors', agents: 'agents', gatewayPolicies: 'gatewayPolicies' };
    validateProps(
      'TelemetryCollection props',
      [
        [CLUSTER_NAME, props.clusterName, 'clusterName'],
        [COLLECTOR_OPTIONS, props.collectors, paths.collectors],
        [AGENT_OPTIONS, props.agents, paths.agents],
        [GATEWAY_POLICY_OPTIONS, props.gatewayPolicies, paths.gatewayPolicies],
      ],
      [
        { field: 'clusterName', value: props.clusterName, required: true, ok: () => true, allowed: 'a cluster name' },
        ...collectionRules(props, paths, 'gateway' in (props.destination ?? {}) ? 'gateway' : 'backends'),
      ],
    );
    super(scope, id);
    const { namespace, clusterName } = props;
    const c = props.collectors ?? {};
    const common = { namespace, clusterName, resources: c.resources, debug: c.debug, mode: c.mode };
    const replicas = c.mode === 'DaemonSet' ? undefined : c.replicas;
    const metricsResources = c.metricsResources ?? c.resources;
    const dest = props.destination;
    if ('gateway' in dest) {
      const gateway = dest.gateway;
      const queue = c.gatewayQueue;
      this.metrics = new MetricsCollector(this, 'metrics', { ...common, resources: metricsResources, gateway, queue });
      this.logs = new LogsCollector(this, 'logs', { ...common, replicas, gateway, queue });
      this.traces = new TracesCollector(this, 'traces', { ...common, replicas, gateway, queue });
    } else {
      const { prometheus, loki, tempo } = dest.backends;
      if (prometheus) this.metrics = new MetricsCollector(this, 'metrics', { ...common, resources: metricsResources, prometheus, export: c.metricsExport });
      if (loki) this.logs = new LogsCollector(this, 'logs', { ...common, replicas, loki });
      if (tempo) this.traces = new TracesCollector(this, 'traces', { ...common, replicas, tempo });
    }

    const a = props.agents ?? {};
    if ((a.enabled ?? true) && this.metrics && this.logs && this.traces) {
      this.agent = new NodeAgent(this, 'agent', {
        namespace,
        clusterName,
        resources: a.resources,
        metricAllowlist: a.metricAllowlist,
        debug: c.debug,
        forwardTo: { collectors: { metrics: this.metrics, logs: this.logs, traces: this.traces } },
      });
    }

    const gp = props.gatewayPolicies;
    if (gp && gp.gateways.length > 0 && (this.logs || this.traces)) {
      const pct = gp.samplingPercent;
      this.policies = new GatewayTelemetryPolicies(this, 'gateway-policies', {
        gateways: gp.gateways,
        api: gp.api,
        kgatewayVersion: gp.kgatewayVersion,
        logs: this.logs,
        traces: this.traces,
        tracing: this.traces && pct !== undefined ? { randomSampling: pct } : undefined,
      });
    }
  }

  /**
   * The collectors' pipeline-health dashboard and alerts, and, when Gateways
   * are instrumented, the kgateway dashboard and alerts (job of the metrics
   * collector's data-plane scrape).
   */
  public observability(): ObservabilityContent {
    return collectionContent(this.metrics?.scrapeJobs, this.policies !== undefined);
  }
}

/**
 * Every cluster's collection layer ships the same content for the same
 * scrape jobs: it is built once per process and shared (deeply frozen), so a
 * fleet neither rebuilds it nor compares it per cluster
 * (`collectObservability` skips identical references).
 */
const sharedContent = new Map<string, ObservabilityContent>();
function collectionContent(jobs: MetricsCollector['scrapeJobs'] | undefined, gateway: boolean): ObservabilityContent {
  const key = JSON.stringify([jobs?.collectors.jobName ?? null, jobs?.kgatewayDataPlane.jobName ?? null, gateway]);
  let content = sharedContent.get(key);
  if (content === undefined) {
    const dashboards = [defaultDashboard('collector')];
    const ruleSets: Record<string, ReturnType<typeof collectorAlerts>> = {};
    // The metrics collector's discovery jobs scrape the collectors and the kgateway proxies.
    if (jobs) ruleSets['otel-collector'] = collectorAlerts({ job: jobs.collectors });
    if (gateway) {
      dashboards.unshift(defaultDashboard('gateway'));
      if (jobs) ruleSets.kgateway = gatewayAlerts({ job: jobs.kgatewayDataPlane });
    }
    content = deepFreeze({ dashboards, ruleSets });
    sharedContent.set(key, content);
  }
  return content;
}
