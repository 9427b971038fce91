import type { PodsEnd } from '../network/model';
import { KubernetesSdConfig, RelabelAction, RelabelConfig, ScrapeConfig, scrapeJobRef, ScrapeProtocol, StaticConfig } from '../scrape-config';
import { DEFAULT_TELEMETRY_PORT } from './config';

/**
 * Typed Prometheus scrape configuration, as embedded in the collector's
 * `prometheus` receiver (`receivers.prometheus.config`), and the Kubernetes pod
 * discovery jobs this package uses.
 *
 * Field names are Prometheus' own (snake_case), so a {@link ScrapeJob} is
 * also a valid Prometheus `scrape_configs` entry. Jobs are written in plain
 * Prometheus syntax (`$1`); {@link escapeForCollector} doubles every `$` in
 * relabel fields when the job is embedded in a collector config, because the
 * collector expands `${...}` itself and rewrites `$$` to `$` (prometheus
 * receiver README, "escape them using `$$`"; core confmap/expand.go at v0.159.0).
 */

/** Deprecated aliases of the one scrape-config model (`lib/scrape-config`). */
/** @deprecated use ScrapeProtocol */
export type ScrapeProtocolId = ScrapeProtocol;
/** @deprecated use RelabelAction */
export type RelabelRuleAction = RelabelAction;
/** @deprecated use RelabelConfig */
export type RelabelRule = RelabelConfig;
/** @deprecated use KubernetesSdConfig */
export type KubernetesSd = KubernetesSdConfig;
/** @deprecated use StaticConfig */
export type StaticTargets = StaticConfig;
/** @deprecated use ScrapeConfig */
export type ScrapeJob = ScrapeConfig;

/**
 * Protobuf first: native histograms are only exposed over the protobuf format,
 * then the text formats as fallbacks (prometheus receiver README, "Prometheus
 * native histograms").
 */
export const NATIVE_HISTOGRAM_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  'PrometheusProto',
  'OpenMetricsText1.0.0',
  'OpenMetricsText0.0.1',
  'PrometheusText0.0.4',
];

/** The Prometheus `global` section (the subset this package renders). */
export interface PrometheusGlobalConfig {
  readonly scrape_interval?: string;
  readonly scrape_timeout?: string;
  readonly scrape_protocols?: readonly ScrapeProtocol[];
  readonly scrape_native_histograms?: boolean;
}

/** The `config` block of the collector's prometheus receiver. */
export interface PrometheusReceiverConfig {
  readonly global?: PrometheusGlobalConfig;
  readonly scrape_configs: readonly ScrapeConfig[];
}

/** Doubles every `$` so the collector's env expansion leaves a literal `$` for Prometheus. */
export function escapeDollar(s: string): string {
  return s.replace(/\$/g, '$$$$');
}

function escapeRelabel(r: RelabelConfig): RelabelConfig {
  return {
    ...r,
    ...(r.regex !== undefined ? { regex: escapeDollar(r.regex) } : {}),
    ...(r.replacement !== undefined ? { replacement: escapeDollar(r.replacement) } : {}),
    ...(r.target_label !== undefined ? { target_label: escapeDollar(r.target_label) } : {}),
    ...(r.separator !== undefined ? { separator: escapeDollar(r.separator) } : {}),
  };
}

/**
 * A scrape job ready for the collector: `$` in relabel fields doubled. Selector
 * fields are left alone on purpose: `${env:K8S_NODE_NAME}` there must be
 * expanded by the collector.
 */
export function escapeForCollector(job: ScrapeConfig): ScrapeConfig {
  return {
    ...job,
    ...(job.relabel_configs ? { relabel_configs: job.relabel_configs.map(escapeRelabel) } : {}),
    ...(job.metric_relabel_configs ? { metric_relabel_configs: job.metric_relabel_configs.map(escapeRelabel) } : {}),
  };
}

// ---------------------------------------------------------------------------
// Kubernetes pod discovery jobs
// ---------------------------------------------------------------------------

/** The downward-API env var carrying the node name (spec.nodeName). */
export const NODE_NAME_ENV = 'K8S_NODE_NAME';

/** Pod label and values kgateway puts on its pods. */
export const KGATEWAY_POD_LABEL = 'kgateway';
/** Value of the `kgateway` label on data-plane (Envoy proxy) pods. */
export const KGATEWAY_DATA_PLANE = 'kube-gateway';
/** Value of the `kgateway` label on control-plane (controller) pods. */
export const KGATEWAY_CONTROL_PLANE = 'kgateway';

/** `app.kubernetes.io/name` of every collector this package renders (node agents, signal collectors, gateway). */
export const COLLECTOR_APP = 'opentelemetry-collector';

/**
 * The port kgateway's data-plane (Envoy) pods announce in `prometheus.io/port`
 * (kgateway v2.2.x pkg/kgateway/helm/envoy/templates/deployment.yaml: "9091",
 * its `prometheus_listener`).
 */
export const KGATEWAY_DATA_PLANE_METRICS_PORT = 9091;
/**
 * The port kgateway's controller pods announce in `prometheus.io/port`
 * (install/helm/kgateway/templates/deployment.yaml:
 * `controller.service.ports.metrics`, default 9092).
 */
export const KGATEWAY_CONTROL_PLANE_METRICS_PORT = 9092;

/**
 * The pods the discovery jobs scrape, as network edge ends with their ports:
 * the collectors (self-metrics), kgateway's proxies and its controller, in
 * every namespace (discovery is cluster-wide). The `kubernetes-pods` job's
 * annotated pods are anyone's, on any port: open them with an extra allow.
 */
export function discoveryTargets(): { readonly to: PodsEnd; readonly port: number }[] {
  return [
    { to: { kind: 'pods', namespaces: 'all', podSelector: { 'app.kubernetes.io/name': COLLECTOR_APP }, description: 'collector pods (self-metrics)' }, port: DEFAULT_TELEMETRY_PORT },
    { to: { kind: 'pods', namespaces: 'all', podSelector: { [KGATEWAY_POD_LABEL]: KGATEWAY_DATA_PLANE }, description: 'kgateway data-plane (Envoy) pods' }, port: KGATEWAY_DATA_PLANE_METRICS_PORT },
    { to: { kind: 'pods', namespaces: 'all', podSelector: { [KGATEWAY_POD_LABEL]: KGATEWAY_CONTROL_PLANE }, description: 'kgateway control-plane pods' }, port: KGATEWAY_CONTROL_PLANE_METRICS_PORT },
  ];
}

export interface PodJobOptions {
  /**
   * Discover only pods on the collector's own node (field selector
   * `spec.nodeName=${env:K8S_NODE_NAME}`); for DaemonSet collectors, so that
   * each pod is scraped exactly once. @default false
   */
  readonly nodeLocal?: boolean;
  /** Per-job scrape interval. @default the global interval */
  readonly scrapeInterval?: string;
}

function podSd(nodeLocal: boolean): KubernetesSdConfig[] {
  return [
    nodeLocal
      ? { role: 'pod', selectors: [{ role: 'pod', field: `spec.nodeName=\${env:${NODE_NAME_ENV}}` }] }
      : { role: 'pod' },
  ];
}

/**
 * The relabeling of the `prometheus.io/*` annotation convention: keep pods
 * annotated `prometheus.io/scrape: "true"`, skip finished pods, take the path
 * from `prometheus.io/path` and the port from `prometheus.io/port`, and keep
 * namespace and pod as labels. (Address rewrite as in Prometheus'
 * documentation/examples/prometheus-kubernetes.yml at v3.14.0.)
 */
export function annotationRelabeling(): RelabelConfig[] {
  return [
    { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' },
    { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Pending|Succeeded|Failed', action: 'drop' },
    { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__', action: 'replace' },
    {
      source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
      regex: '([^:]+)(?::\\d+)?;(\\d+)',
      replacement: '$1:$2',
      target_label: '__address__',
      action: 'replace',
    },
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace', action: 'replace' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod', action: 'replace' },
  ];
}

function kgatewayJob(jobName: string, labelValue: string, opts: PodJobOptions): ScrapeConfig {
  return {
    job_name: jobName,
    ...(opts.scrapeInterval ? { scrape_interval: opts.scrapeInterval } : {}),
    kubernetes_sd_configs: podSd(opts.nodeLocal ?? false),
    relabel_configs: [
      { source_labels: [`__meta_kubernetes_pod_label_${KGATEWAY_POD_LABEL}`], regex: labelValue, action: 'keep' },
      ...annotationRelabeling(),
    ],
  };
}

/** kgateway's data-plane proxies: pods labelled `kgateway=kube-gateway` (scrape port/path from their prometheus.io annotations). */
export function kgatewayDataPlaneJob(opts: PodJobOptions = {}): ScrapeConfig {
  return kgatewayJob('kgateway-data-plane', KGATEWAY_DATA_PLANE, opts);
}

/** kgateway's control plane: pods labelled `kgateway=kgateway` (metrics on the annotated port, 9092 upstream). */
export function kgatewayControlPlaneJob(opts: PodJobOptions = {}): ScrapeConfig {
  return kgatewayJob('kgateway-control-plane', KGATEWAY_CONTROL_PLANE, opts);
}

/**
 * The collectors' own metrics: pods labelled
 * `app.kubernetes.io/name=opentelemetry-collector` (every collector this
 * package renders), on the port their `prometheus.io/*` annotations name. The
 * collectors' alert rules and dashboard select this job
 * ({@link POD_DISCOVERY_JOBS}`.collectors`).
 */
export function collectorSelfJob(opts: PodJobOptions = {}): ScrapeConfig {
  return {
    job_name: 'otel-collector',
    ...(opts.scrapeInterval ? { scrape_interval: opts.scrapeInterval } : {}),
    kubernetes_sd_configs: podSd(opts.nodeLocal ?? false),
    relabel_configs: [{ source_labels: [COLLECTOR_APP_LABEL], regex: COLLECTOR_APP, action: 'keep' }, ...annotationRelabeling()],
  };
}

const COLLECTOR_APP_LABEL = '__meta_kubernetes_pod_label_app_kubernetes_io_name';

/**
 * Any pod annotated `prometheus.io/scrape: "true"`, honouring
 * `prometheus.io/path` and `prometheus.io/port`. kgateway pods and the
 * collectors are dropped here because their own jobs scrape them (no double
 * scrape).
 */
export function annotatedPodsJob(opts: PodJobOptions = {}): ScrapeConfig {
  return {
    job_name: 'kubernetes-pods',
    ...(opts.scrapeInterval ? { scrape_interval: opts.scrapeInterval } : {}),
    kubernetes_sd_configs: podSd(opts.nodeLocal ?? false),
    relabel_configs: [
      {
        source_labels: [`__meta_kubernetes_pod_label_${KGATEWAY_POD_LABEL}`],
        regex: `${KGATEWAY_DATA_PLANE}|${KGATEWAY_CONTROL_PLANE}`,
        action: 'drop',
      },
      { source_labels: [COLLECTOR_APP_LABEL], regex: COLLECTOR_APP, action: 'drop' },
      ...annotationRelabeling(),
    ],
  };
}

/** The four pod discovery jobs: kgateway data plane, kgateway control plane, the collectors, annotated pods. */
export function podDiscoveryJobs(opts: PodJobOptions = {}): ScrapeConfig[] {
  return [kgatewayDataPlaneJob(opts), kgatewayControlPlaneJob(opts), collectorSelfJob(opts), annotatedPodsJob(opts)];
}

/** The refs of the pod discovery jobs, for the rules and dashboards that select them. */
export const POD_DISCOVERY_JOBS = Object.freeze({
  kgatewayDataPlane: scrapeJobRef(kgatewayDataPlaneJob()),
  kgatewayControlPlane: scrapeJobRef(kgatewayControlPlaneJob()),
  collectors: scrapeJobRef(collectorSelfJob()),
  annotatedPods: scrapeJobRef(annotatedPodsJob()),
});

/**
 * The `global` block with native histograms on.
 *
 * Decision (collector 0.159.0): native histograms are enabled with the
 * Prometheus scrape option `scrape_native_histograms: true` plus
 * `PrometheusProto` in `scrape_protocols`, as the v0.159.0 prometheus receiver
 * README documents. The old feature gate
 * `receiver.prometheusreceiver.EnableNativeHistograms` is NOT passed: it is no
 * longer registered at v0.159.0 (the receiver's gates are only
 * EnableCreatedTimestampZeroIngestion and IgnoreScopeInfoMetric) and an unknown
 * `--feature-gates` id makes the collector fail at startup
 * (featuregate/registry.go: `no such feature gate`).
 */
export function nativeHistogramGlobal(scrapeInterval: string): PrometheusGlobalConfig {
  return {
    scrape_interval: scrapeInterval,
    scrape_protocols: NATIVE_HISTOGRAM_SCRAPE_PROTOCOLS,
    scrape_native_histograms: true,
  };
}
