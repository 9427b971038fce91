import { Construct } from 'constructs';
import { CollectorConfig, discoveryTargets, NODE_NAME_ENV } from '../../lib/collector';
import { resolveNamespace, stackNamespace } from '../../lib/component';
import { ComponentIdentity } from '../../lib/naming';
import { resolveResources, Resources } from '../../lib/resources';
import { Bool, List, Obj, omit, Opt, Str, validateProps } from '../../lib/schema';
import { Rule } from '../../lib/validation';
import { COLLECTOR_METRIC_NAME_ALLOWED, COLLECTOR_METRIC_NAME_PATTERN, DURATION_PATTERN } from '../../lib/values';
import { is } from '../../lib/validation';
import { Workload } from '../../lib/workload';
import { nodeNameEnv, OtelCollector } from './collector';
import { CLUSTER_NAME, CollectorCommonProps, collectorPropsSchema, commonRules, gatewayQueueRules, gatewayTargetChecks, gatewayTargetRules } from './common';
import { AgentForward, nodeAgentConfig } from './config';
import { GatewayClient, gatewayClient, GatewayTarget } from './gateway-client';
import { LogsCollector } from './logs';
import { OtlpEndpoints } from './otlp-signal-collector';
import { MetricsCollector } from './metrics';
import { MINIMUM_METRIC_SET } from './minimum-metrics';
import { TracesCollector } from './traces';
import { DEFAULT_COLLECTOR_QUEUE_SIZE, durableQueue, SendingQueueOptions } from './queue';

export const NODE_AGENT_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/**
 * API access of the node agent: k8s_attributes always needs pods and
 * namespaces (get/list/watch); pod discovery needs pods. Nothing else (no
 * replicasets: k8s.deployment.name is derived from the ReplicaSet name).
 */
export const NODE_AGENT_RULES = [{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }];

/** The most metric names an allowlist holds: 2000 names of at most 255 characters keep the agent's ConfigMap far below Kubernetes' 1 MiB. */
export const MAX_METRIC_ALLOWLIST = 2000;

/**
 * The metric allowlist of the node agents: one definition for the config file
 * (`agents.metricAllowlist`) and the construct.
 */
export const METRIC_ALLOWLIST = List(
  Str(COLLECTOR_METRIC_NAME_PATTERN, COLLECTOR_METRIC_NAME_ALLOWED),
  `a non-empty list of distinct metric names (${COLLECTOR_METRIC_NAME_ALLOWED}), at most ${MAX_METRIC_ALLOWLIST}`,
  { minItems: 1, maxItems: MAX_METRIC_ALLOWLIST, unique: true, doc: 'Metric names kept by the node agents; every other metric is dropped on the node.', default: 'MINIMUM_METRIC_SET' },
);

const NODE_AGENT_PROPS = Obj({
  ...collectorPropsSchema({ queue: true }).properties,
  clusterName: CLUSTER_NAME,
  metricAllowlist: Opt(METRIC_ALLOWLIST),
  scrapePods: Opt(Bool({ doc: 'Scrape the pods on this node.' })),
  scrapeInterval: Opt(Str(DURATION_PATTERN, is.durationAllowed, { doc: 'Scrape interval.', default: '30s' })),
});

/** Where the node agent forwards. */
export type NodeAgentForward =
  | { readonly collectors: { readonly metrics: MetricsCollector; readonly logs: LogsCollector; readonly traces: TracesCollector } }
  | { readonly gateway: GatewayTarget };

export interface NodeAgentProps extends CollectorCommonProps {
  /** Cluster name stamped on every signal as `k8s.cluster.name`. */
  readonly clusterName: string;
  /** The in-cluster signal collectors, or a telemetry gateway. */
  readonly forwardTo: NodeAgentForward;
  /**
   * Metric names to keep; every other metric is dropped on the node.
   * @default MINIMUM_METRIC_SET
   */
  readonly metricAllowlist?: readonly string[];
  /**
   * Scrape the pods on this node (kgateway and `prometheus.io/scrape`
   * annotated pods). Off when forwarding to the in-cluster collectors (the
   * metrics collector scrapes; scraping twice would duplicate series), on
   * when forwarding to a gateway.
   * @default true with a gateway, false with collectors
   */
  readonly scrapePods?: boolean;
  /** @default '30s' */
  readonly scrapeInterval?: string;
  /**
   * The sending queue of the exporter towards a gateway (`forwardTo.gateway`
   * only; a DaemonSet, so emptyDir or memory). Its three signals share the
   * volume. @default { storage: 'emptyDir', size: '2Gi', maxOutage: '1h' }
   */
  readonly queue?: SendingQueueOptions;
}

/** Tolerate every taint: the agent must run on every node, since its Service only routes to the agent of the sender's node. */
export const TOLERATE_EVERYTHING = [{ operator: 'Exists' }];

/**
 * The node agent: a DaemonSet behind a Service with
 * `internalTrafficPolicy: Local`, so apps reach the agent on their own node.
 * It enriches with k8s_attributes (pods of its node only), stamps
 * `k8s.cluster.name`, keeps an allowlist of metrics and forwards traces,
 * metrics and logs to the signal collectors or to a telemetry gateway over
 * TLS with authentication. Default Service name `otel-agent`.
 *
 * It tolerates every taint (a node without an agent would leave its
 * applications without a collector: the Service is node-local) and rolls a
 * node's new pod out before stopping the old one (maxSurge 1,
 * maxUnavailable 0), unless it scrapes pods, when the old one stops first so
 * no target is scraped twice.
 */
export class NodeAgent extends Construct {
  public readonly name: string;
  public readonly identity: ComponentIdentity;
  public readonly workload: Workload;
  public readonly config: CollectorConfig;
  public readonly collector: OtelCollector;
  public readonly endpoints: OtlpEndpoints;

  constructor(scope: Construct, id: string, props: NodeAgentProps) {
    const resources = resolveResources(NODE_AGENT_DEFAULT_RESOURCES, props.resources);
    const gw = (props.forwardTo as { gateway?: GatewayTarget } | undefined)?.gateway;
    validateProps(
      'NodeAgent props',
      [[NODE_AGENT_PROPS, omit(props, ['forwardTo']), 'nodeAgent'], ...(gw ? gatewayTargetChecks('nodeAgent.forwardTo.gateway', gw) : [])],
      nodeAgentRules(props, resources),
    );
    stackNamespace(scope, props.namespace, 'nodeAgent.namespace', 'NodeAgent props');
    super(scope, id);
    this.name = props.name ?? 'otel-agent';
    const namespace = resolveNamespace(this, props.namespace);

    let forward: AgentForward;
    let client: GatewayClient | undefined;
    const fw = props.forwardTo;
    // Three queue files: the gateway exporter carries traces, metrics and logs.
    const queue = 'gateway' in fw ? durableQueue(props.queue, DEFAULT_COLLECTOR_QUEUE_SIZE, 3) : undefined;
    if ('collectors' in fw) {
      forward = {
        kind: 'collectors',
        metrics: fw.collectors.metrics.endpoints.otlpGrpc,
        logs: fw.collectors.logs.endpoints.otlpGrpc,
        traces: fw.collectors.traces.endpoints.otlpGrpc,
      };
    } else {
      client = gatewayClient(fw.gateway, queue?.queue);
      forward = { kind: 'gateway', ...client.export };
    }

    const scrape = props.scrapePods ?? forward.kind === 'gateway';
    const config = nodeAgentConfig({
      clusterName: props.clusterName,
      metricAllowlist: props.metricAllowlist ?? MINIMUM_METRIC_SET,
      scrape,
      scrapeInterval: props.scrapeInterval ?? '30s',
      forward,
      debug: props.debug ?? false,
    });
    this.collector = new OtelCollector(this, 'collector', {
      name: this.name,
      namespace,
      component: 'node-agent',
      mode: 'DaemonSet',
      config,
      resources,
      env: [nodeNameEnv(NODE_NAME_ENV), ...(client?.env ?? [])],
      secretMounts: client?.secretMounts,
      clusterRules: NODE_AGENT_RULES,
      service: { internalTrafficPolicy: 'Local' },
      queue,
      tolerations: TOLERATE_EVERYTHING,
      daemonSetRollout: scrape ? 'replace' : 'surge',
    });
    this.identity = this.collector.identity;
    this.workload = this.collector.workload;
    this.config = config;
    this.endpoints = { otlpGrpc: this.collector.endpoint('otlp-grpc'), otlpHttp: this.collector.endpoint('otlp-http') };

    const c = this.workload.connections;
    c.allowFrom(
      { kind: 'pods', namespaces: 'all', podSelector: {}, description: 'applications in any namespace' },
      [this.endpoints.otlpGrpc, this.endpoints.otlpHttp].map((e) => ({ port: e.port })),
      'applications send OTLP to the node agent',
    );
    if ('collectors' in fw) {
      for (const [signal, collector] of Object.entries(fw.collectors)) c.allowToEndpoint(collector.endpoints.otlpGrpc, `${this.name} forwards ${signal} to ${collector.name}`);
    } else {
      c.allowTo({ kind: 'external', role: 'telemetryGateway' }, [{ port: client!.port }], `${this.name} forwards to the telemetry gateway`);
    }
    if (scrape) for (const t of discoveryTargets()) c.allowTo(t.to, [{ port: t.port }], `${this.name} scrapes the ${t.to.description} on its node`);
  }
}

function nodeAgentRules(props: NodeAgentProps, resources: Resources): Rule[] {
  const rules: Rule[] = [
    ...commonRules('nodeAgent', props, resources),
    {
      field: 'nodeAgent.forwardTo',
      value: props.forwardTo,
      required: true,
      ok: (v) => v && (('collectors' in v) !== ('gateway' in v)),
      allowed: 'exactly one of { collectors: { metrics, logs, traces } } or { gateway: { host, port, ca, auth } }',
    },
  ];
  const fw = props.forwardTo as Partial<{ collectors: any; gateway: GatewayTarget }> | undefined;
  if (fw?.collectors) {
    for (const s of ['metrics', 'logs', 'traces']) {
      rules.push({
        field: `nodeAgent.forwardTo.collectors.${s}`,
        value: fw.collectors[s],
        required: true,
        ok: (v) => Boolean(v?.endpoints?.otlpGrpc),
        allowed: `the ${s} collector construct`,
      });
    }
  }
  if (fw?.gateway) rules.push(...gatewayTargetRules('nodeAgent.forwardTo.gateway', fw.gateway));
  rules.push(...gatewayQueueRules('nodeAgent', { queue: props.queue, gateway: fw?.gateway, mode: 'DaemonSet', name: props.name }, 'otel-agent', 'forwardTo.gateway'));
  return rules;
}
