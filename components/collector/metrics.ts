import { Construct } from 'constructs';
import { CollectorConfig, discoveryTargets, NATIVE_HISTOGRAM_SCRAPE_PROTOCOLS, NODE_NAME_ENV, POD_DISCOVERY_JOBS, PROMETHEUS_EXPORTER_PORT_NAME } from '../../lib/collector';
import { resolveNamespace, stackNamespace } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { ComponentIdentity } from '../../lib/naming';
import { resolveResources, Resources } from '../../lib/resources';
import { Enum, Obj, omit, Opt, Str, validateProps } from '../../lib/schema';
import { DURATION_PATTERN } from '../../lib/values';
import { ScrapeConfig, scrapeConfigRules } from '../../lib/scrape-config';
import { is } from '../../lib/validation';
import { Workload } from '../../lib/workload';
import { Prometheus } from '../prometheus';
import { nodeNameEnv, OtelCollector } from './collector';
import { CollectorCommonProps, collectorPropsSchema, commonRules, destinationRules, gatewayQueueRules, gatewayTargetChecks, ModeProps, SignalCollectorProps } from './common';
import { MetricsExport, metricsCollectorConfig } from './config';
import { gatewayClient } from './gateway-client';
import { DEFAULT_COLLECTOR_QUEUE_SIZE, durableQueue } from './queue';

export const METRICS_COLLECTOR_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '200m', memory: '512Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};

/** How metrics reach Prometheus. */
export type MetricsExportMode = 'push' | 'pull';
export const METRICS_EXPORT_MODES: readonly MetricsExportMode[] = ['push', 'pull'];

/**
 * Only pods are discovered (`role: pod`, no `attach_metadata`), so the
 * collector needs exactly get/list/watch on pods, cluster-wide.
 */
/** The job names of the built-in discovery jobs (reserved). */
const BUILT_IN_JOBS = Object.values(POD_DISCOVERY_JOBS).map((j) => j.jobName);

export const METRICS_COLLECTOR_RULES = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }];

const METRICS_COLLECTOR_PROPS = Obj({
  ...collectorPropsSchema({ mode: true, clusterName: true, queue: true }).properties,
  export: Opt(Enum(METRICS_EXPORT_MODES, { doc: 'push (remote write, or OTLP to a gateway) or pull (Prometheus scrapes the collector).', default: 'push' })),
  scrapeInterval: Opt(Str(DURATION_PATTERN, is.durationAllowed, { doc: 'Scrape interval of the prometheus receiver.', default: '30s' })),
});

export interface MetricsCollectorProps extends CollectorCommonProps, ModeProps, SignalCollectorProps {
  /**
   * The Prometheus to deliver metrics to. Exactly one of `prometheus` and
   * `gateway` is required.
   */
  readonly prometheus?: Prometheus;
  /**
   * `push`: remote write to `prometheus.endpoints.remoteWrite` (Prometheus
   * needs its remote-write receiver on), or OTLP to the `gateway`. `pull`: the
   * collector serves a Prometheus exporter port and registers a scrape job on
   * its Service with `prometheus.addScrapeConfig` (Deployment mode only: a
   * Service in front of a DaemonSet would hand each scrape to a random pod;
   * not with a gateway).
   *
   * With `clusterName`, the cluster name becomes the label `k8s_cluster_name`
   * in every mode: `external_labels` (push), `const_labels` (pull), or the
   * `k8s.cluster.name` resource attribute that the gateway's Prometheus OTLP
   * receiver promotes (gateway).
   * @default 'push'
   */
  readonly export?: MetricsExportMode;
  /** Scrape interval of the prometheus receiver. @default '30s' */
  readonly scrapeInterval?: string;
  /** Scrape jobs besides kgateway data plane, kgateway control plane and annotated pods. @default [] */
  readonly extraScrapeConfigs?: readonly ScrapeConfig[];
}

/** Endpoints of the metrics collector. */
export interface MetricsCollectorEndpoints {
  readonly otlpGrpc: Endpoint;
  readonly otlpHttp: Endpoint;
  /** The Prometheus exporter (`/metrics`), in pull mode only. */
  readonly prometheusExporter?: Endpoint;
}

/**
 * The metrics collector: OTLP in, plus the prometheus receiver discovering
 * pods through the Kubernetes API (kgateway proxies `kgateway=kube-gateway`,
 * kgateway controller `kgateway=kgateway`, and any pod annotated
 * `prometheus.io/scrape: "true"`), native histograms on; out by remote write
 * (default), as a scrape target of Prometheus, or over OTLP to a telemetry
 * gateway. A single replica as a
 * Deployment (scrapes are not sharded) that is replaced with the `Recreate`
 * strategy, so two never scrape the same targets during a rollout; as a
 * DaemonSet each pod scrapes only the pods on its node, and a node's old pod
 * stops before its new one starts. Default Service name `otel-metrics`.
 */
export class MetricsCollector extends Construct {
  public readonly name: string;
  public readonly identity: ComponentIdentity;
  public readonly workload: Workload;
  public readonly config: CollectorConfig;
  public readonly collector: OtelCollector;
  public readonly endpoints: MetricsCollectorEndpoints;
  public readonly exportMode: MetricsExportMode;
  /** The refs of the collector's Kubernetes discovery jobs (for the rules and dashboards that select them). */
  public readonly scrapeJobs = POD_DISCOVERY_JOBS;
  /** The job registered with Prometheus in pull mode. */
  public readonly scrapeJob?: ScrapeConfig;

  constructor(scope: Construct, id: string, props: MetricsCollectorProps) {
    const resources = resolveResources(METRICS_COLLECTOR_DEFAULT_RESOURCES, props.resources);
    const mode = props.mode ?? 'Deployment';
    const exportMode = props.export ?? 'push';
    const extra = props.extraScrapeConfigs;
    validateProps(
      'MetricsCollector props',
      [
        [METRICS_COLLECTOR_PROPS, omit(props, ['gateway', 'prometheus', 'extraScrapeConfigs']), 'metricsCollector'],
        ...(props.gateway ? gatewayTargetChecks('metricsCollector.gateway', props.gateway) : []),
      ],
      [
      ...destinationRules('metricsCollector', 'prometheus', props.prometheus, 'a Prometheus construct', props.gateway),
      ...commonRules('metricsCollector', props, resources),
      {
        field: 'metricsCollector.export',
        value: mode === 'DaemonSet' ? props.export : undefined,
        ok: (v) => v !== 'pull',
        allowed: '"push" in DaemonSet mode (Prometheus would scrape a random pod through the Service)',
      },
      {
        field: 'metricsCollector.export',
        value: props.gateway ? props.export : undefined,
        ok: (v) => v !== 'pull',
        allowed: '"push" or unset with metricsCollector.gateway (metrics are pushed to the gateway over OTLP; pull needs metricsCollector.prometheus)',
      },
      {
        field: 'metricsCollector.extraScrapeConfigs',
        value: props.extraScrapeConfigs,
        ok: (v: ScrapeConfig[]) =>
          Array.isArray(v) && v.every((j) => is.nonEmpty(j?.job_name)) && new Set(v.map((j) => j.job_name)).size === v.length &&
          !v.some((j) => BUILT_IN_JOBS.includes(j.job_name)),
        allowed: `scrape configs with unique, non-empty job names other than the built-in ${BUILT_IN_JOBS.map((j) => JSON.stringify(j)).join(', ')}`,
      },
      ...(Array.isArray(extra) ? extra.flatMap((j, i) => scrapeConfigRules(`metricsCollector.extraScrapeConfigs[${i}]`, j ?? ({} as ScrapeConfig))) : []),
      ...gatewayQueueRules('metricsCollector', { ...props, mode }, 'otel-metrics'),
      ],
    );
    stackNamespace(scope, props.namespace, 'metricsCollector.namespace', 'MetricsCollector props');
    super(scope, id);
    this.name = props.name ?? 'otel-metrics';
    this.exportMode = exportMode;
    const namespace = resolveNamespace(this, props.namespace);
    const nodeLocal = mode === 'DaemonSet';

    const queue = props.gateway ? durableQueue(props.queue, DEFAULT_COLLECTOR_QUEUE_SIZE, 1) : undefined;
    const gw = props.gateway ? gatewayClient(props.gateway, queue?.queue) : undefined;
    let exportTo: MetricsExport;
    if (gw) exportTo = { mode: 'gateway', gateway: gw.export };
    else if (exportMode === 'push') exportTo = { mode: 'push', remoteWrite: props.prometheus!.endpoints.remoteWrite };
    else exportTo = { mode: 'pull' };
    const config = metricsCollectorConfig({
      export: exportTo,
      clusterName: props.clusterName,
      nodeLocal,
      scrapeInterval: props.scrapeInterval ?? '30s',
      extraScrapeConfigs: props.extraScrapeConfigs,
      debug: props.debug ?? false,
    });
    this.collector = new OtelCollector(this, 'collector', {
      name: this.name,
      namespace,
      component: 'metrics-collector',
      mode,
      replicas: mode === 'Deployment' ? 1 : undefined,
      config,
      resources,
      env: [...(nodeLocal ? [nodeNameEnv(NODE_NAME_ENV)] : []), ...(gw?.env ?? [])],
      secretMounts: gw?.secretMounts,
      clusterRules: METRICS_COLLECTOR_RULES,
      queue,
      // One scraper at a time: a rolling update would run old and new pod side by side, both scraping every target.
      deploymentStrategy: 'Recreate',
      daemonSetRollout: 'replace',
    });
    this.identity = this.collector.identity;
    this.workload = this.collector.workload;
    this.config = config;
    const prometheusExporter = exportMode === 'pull' ? this.collector.endpoint(PROMETHEUS_EXPORTER_PORT_NAME) : undefined;
    this.endpoints = {
      otlpGrpc: this.collector.endpoint('otlp-grpc'),
      otlpHttp: this.collector.endpoint('otlp-http'),
      ...(prometheusExporter ? { prometheusExporter } : {}),
    };
    const c = this.workload.connections;
    for (const t of discoveryTargets()) c.allowTo(t.to, [{ port: t.port }], `${this.name} scrapes the ${t.to.description} it discovers`);
    if (gw) c.allowTo({ kind: 'external', role: 'telemetryGateway' }, [{ port: gw.port }], `${this.name} exports metrics to the telemetry gateway`);
    else if (exportMode === 'push') c.allowToEndpoint(props.prometheus!.endpoints.remoteWrite, `${this.name} remote-writes to ${props.prometheus!.name}`);

    if (prometheusExporter) {
      // Scrape the collector's Service; keep the job/instance labels the
      // exporter derives from each resource (honor_labels), and native
      // histograms (exposed over the protobuf format).
      this.scrapeJob = {
        job_name: this.name,
        honor_labels: true,
        scrape_protocols: [...NATIVE_HISTOGRAM_SCRAPE_PROTOCOLS],
        scrape_native_histograms: true,
        metrics_path: prometheusExporter.path || '/metrics',
        static_configs: [{ targets: [prometheusExporter.hostPort] }],
      };
      props.prometheus!.addScrapeConfig(this.scrapeJob, { reaches: [prometheusExporter] });
    }
  }
}
