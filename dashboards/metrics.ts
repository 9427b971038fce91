/**
 * The allowlist of metric names the dashboards and alert rules may query, each
 * with the upstream place where the name (and, where it matters, its labels)
 * was verified for the pinned versions (lib/images.ts): Loki 3.7.6, Tempo
 * 2.10.8, Prometheus v3.14.0, otel-collector(-contrib) 0.159.0, and the Envoy
 * proxies of kgateway 2.1/2.2.
 *
 * Tests parse every PromQL expression and fail on any metric name that is not
 * a key here, so a typo or a renamed metric cannot slip in silently.
 *
 * Histograms are listed once per series name actually queried:
 * - `<base>_bucket` / `<base>_count`: the classic form (text exposition, or
 *   an OTLP explicit-bucket histogram written by remote write or OTLP);
 * - `<base>`: the native form (protobuf scrape with `scrape_native_histograms`,
 *   an OTLP exponential histogram, or a classic one converted to NHCB).
 * Queries use both (`<native query> or <classic query>`), so they work
 * whichever form the pipeline stores.
 */
import { ValidationError } from '../lib/validation';

/** Who emits a metric. */
export type MetricEmitter =
  | 'envoy'
  | 'otelcol'
  | 'loki'
  | 'tempo'
  | 'tempo-metrics-generator'
  | 'prometheus'
  | 'scrape';

/** Prometheus metric type of the series name. */
export type MetricKind = 'counter' | 'gauge' | 'histogram-native' | 'histogram-bucket' | 'histogram-count';

/** One allowlisted series name. */
export interface MetricInfo {
  readonly emitter: MetricEmitter;
  readonly kind: MetricKind;
  /** Where the name was verified upstream (repository, tag, path, symbol or doc section). */
  readonly source: string;
  /** Labels the queries rely on (verified at the same source). */
  readonly labels?: readonly string[];
  /** When the series only exists under a condition. */
  readonly note?: string;
  /**
   * The series only exists once what it counts has happened (the OpenTelemetry
   * SDK creates a counter's series on its first increment), so a healthy
   * pipeline has none.
   */
  readonly onlyOnFailure?: boolean;
}

// ---------------------------------------------------------------------------
// Sources, cited once
// ---------------------------------------------------------------------------

const ENVOY_CLUSTER_STATS =
  'envoyproxy/envoy docs/root/configuration/upstream/cluster_manager/cluster_stats.rst ("Every cluster has a statistics tree rooted at cluster.<name>." and "Dynamic HTTP statistics")';
const ENVOY_HCM_STATS = 'envoyproxy/envoy docs/root/configuration/http/http_conn_man/stats.rst (http.<stat_prefix>.downstream_rq_*)';
const ENVOY_TAGS =
  'envoyproxy/envoy source/common/config/well_known_names.{h,cc}: tags envoy.cluster_name (^cluster\\.(([^\\.]+)\\.)), envoy.http_conn_manager_prefix (^http\\.((.*?)\\.)), envoy.response_code_class (_rq_(\\d)xx$, removed from the name); source/server/admin/prometheus_stats.h: names prefixed "envoy_", "." -> "_"; kgateway exposes them at :9091/metrics -> /stats/prometheus?usedonly (kgateway-dev/kgateway pkg/kgateway/helm/envoy/templates/configmap.yaml, prometheus_listener)';

/**
 * Envoy names some counters without `_total` (e.g. envoy_http_downstream_rq_xx,
 * TYPE counter). The collector scrapes them as monotonic sums under the
 * exposed name, and both ways into Prometheus add the counter suffix: remote
 * write (prometheusremotewrite exporter, otlptranslator metric naming with
 * suffixes) and Prometheus' OTLP receiver (UnderscoreEscapingWithSuffixes).
 * Observed in the real-program verification (verify/, kgateway fixture).
 */
const COUNTER_SUFFIX =
  'stored in Prometheus with "_total" appended: prometheus/otlptranslator metric_namer.go (counters get the _total suffix unless present), used by the collector-contrib prometheusremotewrite exporter and Prometheus\' OTLP receiver';

const OTELCOL_RECEIVER = 'open-telemetry/opentelemetry-collector v0.159.0 receiver/receiverhelper/documentation.md; labels receiver, transport (receiver/receiverhelper/internal/obsmetrics.go ReceiverKey, TransportKey)';
const OTELCOL_EXPORTER = 'open-telemetry/opentelemetry-collector v0.159.0 exporter/exporterhelper/documentation.md; label exporter (exporter/exporterhelper/internal/obs_report_sender.go ExporterKey)';
const OTELCOL_QUEUE =
  'open-telemetry/opentelemetry-collector v0.159.0 exporter/exporterhelper/documentation.md; labels exporter, data_type (exporter/exporterhelper/internal/queue/obs_queue.go asyncAttr)';
const OTELCOL_SERVICE = 'open-telemetry/opentelemetry-collector v0.159.0 service/documentation.md';
const OTELCOL_SUFFIXES =
  'Prometheus naming of the pull/prometheus reader: counters get "_total", unit "By" gets "_bytes", unit "s" gets "_seconds", annotation units like "{span}" add nothing (open-telemetry/opentelemetry.io content/en/docs/collector/internal-telemetry.md "_total suffix" and "unit suffixes"; prometheus/otlptranslator metric_namer.go normalizeName/addUnitTokens). The same names result from OTLP push into Prometheus with the default UnderscoreEscapingWithSuffixes';
const OTELCOL_RAW =
  'OTLP (raw) name, exposed as-is only when the prometheus reader sets without_type_suffix: true and without_units: true (the collector\'s default reader when no readers are configured: service/telemetry/otelconftelemetry/factory.go at v0.159.0)';

const LOKI_PUSH = 'grafana/loki v3.7.6 pkg/loghttp/push/push.go (Namespace constants.Loki)';
const LOKI_VALIDATION = 'grafana/loki v3.7.6 pkg/validation/validate.go DiscardedSamples (labels reason, tenant, retention_hours, policy, format)';
const LOKI_REQUEST_DURATION =
  'grafana/loki v3.7.6 vendor/github.com/grafana/dskit/server/metrics.go RequestDuration (labels method, route, status_code, ws; Namespace = MetricsNamespace = "loki" per pkg/loki/loki.go; native histogram factor 1.1 per pkg/loki/loki.go); route values from dskit middleware MakeLabelValue of the mux path: loki_api_v1_push, api_prom_push, otlp_v1_logs (pkg/loki/modules.go, pkg/util/constants/api_paths.go)';

const TEMPO_DISTRIBUTOR = 'grafana/tempo v2.10.8 modules/distributor/distributor.go (Namespace "tempo")';
const TEMPO_GENERATOR = 'grafana/tempo v2.10.8 modules/generator/instance.go (Namespace "tempo")';
const TEMPO_SPANMETRICS =
  'grafana/tempo v2.10.8 modules/generator/processor/spanmetrics/spanmetrics.go (metricCallsTotal, metricDurationSeconds) and modules/generator/processor/dimension_names.go (service, span_name, span_kind, status_code; values from the OTLP enum String(), e.g. STATUS_CODE_ERROR, SPAN_KIND_SERVER); _bucket from modules/generator/registry/histogram.go; native form with generate_native_histograms native|both (registry/native_histogram.go)';
const TEMPO_SERVICEGRAPH =
  'grafana/tempo v2.10.8 modules/generator/processor/servicegraphs/servicegraphs.go (metricRequestTotal, metricRequestFailedTotal, metricRequestServerSeconds; labels client, server, connection_type)';
const TEMPO_GENERATOR_RW =
  'grafana/tempo v2.10.8 modules/generator/storage/instance.go: remote.NewStorage registered (generator.go createInstance -> g.reg = prometheus.DefaultRegisterer, no prefix, label tenant) -> vendored prometheus storage/remote/queue_manager.go samples_failed_total (namespace "prometheus", subsystem "remote_storage")';

const PROM_WEB =
  'prometheus/prometheus v3.14.0 web/web.go newMetrics (labels handler, code; handler = "/api/v1" prefix + route: web/api/v1/api.go r.Post("/write"), r.Post("/otlp/v1/metrics"))';
const PROM_HEAD = 'prometheus/prometheus v3.14.0 tsdb/head.go newHeadMetrics';
const PROM_DB = 'prometheus/prometheus v3.14.0 tsdb/db.go newDBMetrics';
const PROM_RULES = 'prometheus/prometheus v3.14.0 rules/group.go NewGroupMetrics (namespace "prometheus", label rule_group)';

// ---------------------------------------------------------------------------
// The allowlist
// ---------------------------------------------------------------------------

type HistogramForm = 'native' | 'bucket' | 'count';

/** Allowlist entries for the forms of a histogram that queries use. */
function histogram(
  base: string,
  emitter: MetricEmitter,
  source: string,
  labels: readonly string[],
  forms: readonly HistogramForm[] = ['native', 'bucket'],
): Record<string, MetricInfo> {
  const common = { emitter, source, labels };
  const out: Record<string, MetricInfo> = {};
  if (forms.includes('native')) out[base] = { ...common, kind: 'histogram-native', note: 'native form: only when stored as a native histogram' };
  if (forms.includes('bucket')) out[`${base}_bucket`] = { ...common, kind: 'histogram-bucket', note: 'classic form' };
  if (forms.includes('count')) out[`${base}_count`] = { ...common, kind: 'histogram-count', note: 'classic form' };
  return out;
}

/** Signals the collector counts items of, and the item noun in metric names. */
export const COLLECTOR_SIGNALS = [
  { signal: 'traces', item: 'spans' },
  { signal: 'metrics', item: 'metric_points' },
  { signal: 'logs', item: 'log_records' },
] as const;
export type CollectorSignal = (typeof COLLECTOR_SIGNALS)[number]['signal'];

/**
 * How the collector's own metrics are named in Prometheus.
 *
 * - `'prometheus'` (default): `otelcol_receiver_accepted_spans_total`,
 *   `otelcol_process_memory_rss_bytes`, ... This is what the pull/prometheus
 *   reader exposes when `readers` are configured without
 *   `without_type_suffix`/`without_units` (as lib/collector/config.ts does),
 *   and what OTLP push into Prometheus produces with its default translation.
 * - `'raw'`: `otelcol_receiver_accepted_spans`, `otelcol_process_memory_rss`:
 *   the reader sets `without_type_suffix: true` and `without_units: true`.
 */
export type CollectorMetricNaming = 'prometheus' | 'raw';
export const COLLECTOR_METRIC_NAMINGS: readonly CollectorMetricNaming[] = ['prometheus', 'raw'];

/** Collector counters (OTLP names) whose Prometheus name only gains `_total`. */
const COLLECTOR_COUNTERS: Record<string, string> = Object.fromEntries([
  ...COLLECTOR_SIGNALS.flatMap(({ item }) => [
    [`otelcol_receiver_accepted_${item}`, OTELCOL_RECEIVER],
    [`otelcol_receiver_refused_${item}`, OTELCOL_RECEIVER],
    [`otelcol_exporter_sent_${item}`, OTELCOL_EXPORTER],
    [`otelcol_exporter_send_failed_${item}`, OTELCOL_EXPORTER],
    [`otelcol_exporter_enqueue_failed_${item}`, OTELCOL_EXPORTER],
  ]),
  ['otelcol_process_cpu_seconds', `${OTELCOL_SERVICE} (unit s; "seconds" already in the name, so only "_total" is added)`],
]);

/** Collector gauges (OTLP name -> Prometheus name). */
const COLLECTOR_GAUGES: Record<string, { readonly prometheus: string; readonly source: string }> = {
  otelcol_exporter_queue_size: { prometheus: 'otelcol_exporter_queue_size', source: `${OTELCOL_QUEUE} (unit {batch}: no suffix)` },
  otelcol_exporter_queue_capacity: { prometheus: 'otelcol_exporter_queue_capacity', source: `${OTELCOL_QUEUE} (unit {batch}: no suffix)` },
  otelcol_process_memory_rss: { prometheus: 'otelcol_process_memory_rss_bytes', source: `${OTELCOL_SERVICE} (unit By)` },
  otelcol_process_runtime_heap_alloc_bytes: {
    prometheus: 'otelcol_process_runtime_heap_alloc_bytes',
    source: `${OTELCOL_SERVICE} (unit By; "bytes" already in the name)`,
  },
};

function collectorEntries(): Record<string, MetricInfo> {
  const out: Record<string, MetricInfo> = {};
  for (const [raw, source] of Object.entries(COLLECTOR_COUNTERS)) {
    // The exporter's failure counters are only incremented (so only created) on failure;
    // receivers record refused items (0 too) on every request.
    const onlyOnFailure = /_(send|enqueue)_failed_/.test(raw) ? { onlyOnFailure: true } : {};
    out[`${raw}_total`] = { emitter: 'otelcol', kind: 'counter', source: `${source}; ${OTELCOL_SUFFIXES}`, ...onlyOnFailure };
    out[raw] = { emitter: 'otelcol', kind: 'counter', source: `${source}; ${OTELCOL_RAW}`, ...onlyOnFailure };
  }
  for (const [raw, g] of Object.entries(COLLECTOR_GAUGES)) {
    out[g.prometheus] = { emitter: 'otelcol', kind: 'gauge', source: `${g.source}; ${OTELCOL_SUFFIXES}` };
    out[raw] = { emitter: 'otelcol', kind: 'gauge', source: `${g.source}; ${OTELCOL_RAW}` };
  }
  return out;
}

/** Every metric name the dashboards and rules may use, with its verified source. */
export const METRICS: Readonly<Record<string, MetricInfo>> = {
  // --- scrape -------------------------------------------------------------
  up: {
    emitter: 'scrape',
    kind: 'gauge',
    source: 'prometheus/prometheus v3.14.0 scrape/scrape.go scrapeHealthMetric ("up"), labels job and instance of the scrape target',
    labels: ['job', 'instance'],
  },

  // --- Envoy (kgateway data plane) ---------------------------------------
  envoy_cluster_upstream_rq_total: {
    emitter: 'envoy',
    kind: 'counter',
    source: `${ENVOY_CLUSTER_STATS} upstream_rq_total; ${ENVOY_TAGS}`,
    labels: ['envoy_cluster_name'],
  },
  envoy_cluster_upstream_rq_xx_total: {
    emitter: 'envoy',
    kind: 'counter',
    source: `${ENVOY_CLUSTER_STATS} upstream_rq_<*xx>, exposed as envoy_cluster_upstream_rq_xx; ${ENVOY_TAGS}; ${COUNTER_SUFFIX}`,
    labels: ['envoy_cluster_name', 'envoy_response_code_class'],
  },
  ...histogram('envoy_cluster_upstream_rq_time', 'envoy', `${ENVOY_CLUSTER_STATS} upstream_rq_time (Histogram, milliseconds); ${ENVOY_TAGS}`, [
    'envoy_cluster_name',
  ]),
  envoy_http_downstream_rq_total: {
    emitter: 'envoy',
    kind: 'counter',
    source: `${ENVOY_HCM_STATS} downstream_rq_total; ${ENVOY_TAGS}`,
    labels: ['envoy_http_conn_manager_prefix'],
  },
  envoy_http_downstream_rq_xx_total: {
    emitter: 'envoy',
    kind: 'counter',
    source: `${ENVOY_HCM_STATS} downstream_rq_1xx..5xx, exposed as envoy_http_downstream_rq_xx; ${ENVOY_TAGS}; ${COUNTER_SUFFIX}`,
    labels: ['envoy_http_conn_manager_prefix', 'envoy_response_code_class'],
  },
  ...histogram('envoy_http_downstream_rq_time', 'envoy', `${ENVOY_HCM_STATS} downstream_rq_time (Histogram, milliseconds); ${ENVOY_TAGS}`, [
    'envoy_http_conn_manager_prefix',
  ]),

  // --- OpenTelemetry collector -------------------------------------------
  ...collectorEntries(),

  // --- Loki ---------------------------------------------------------------
  loki_distributor_bytes_received_total: {
    emitter: 'loki',
    kind: 'counter',
    source: `${LOKI_PUSH} bytesIngested`,
    labels: ['tenant', 'retention_hours', 'is_internal_stream', 'policy', 'format'],
  },
  loki_distributor_lines_received_total: {
    emitter: 'loki',
    kind: 'counter',
    source: `${LOKI_PUSH} linesIngested`,
    labels: ['tenant', 'is_internal_stream', 'policy', 'format'],
  },
  loki_discarded_samples_total: { emitter: 'loki', kind: 'counter', source: LOKI_VALIDATION, labels: ['reason', 'tenant'] },
  ...histogram('loki_request_duration_seconds', 'loki', LOKI_REQUEST_DURATION, ['route', 'status_code'], ['native', 'bucket', 'count']),

  // --- Tempo --------------------------------------------------------------
  tempo_distributor_spans_received_total: { emitter: 'tempo', kind: 'counter', source: `${TEMPO_DISTRIBUTOR} metricSpansIngested`, labels: ['tenant'] },
  tempo_distributor_bytes_received_total: { emitter: 'tempo', kind: 'counter', source: `${TEMPO_DISTRIBUTOR} metricBytesIngested`, labels: ['tenant'] },
  tempo_distributor_ingester_append_failures_total: {
    emitter: 'tempo',
    kind: 'counter',
    source: `${TEMPO_DISTRIBUTOR} metricIngesterAppendFailures`,
    labels: ['ingester'],
  },
  tempo_discarded_spans_total: {
    emitter: 'tempo',
    kind: 'counter',
    source: 'grafana/tempo v2.10.8 modules/overrides/discarded_spans.go metricDiscardedSpans (labels reason, tenant)',
    labels: ['reason', 'tenant'],
  },
  tempo_metrics_generator_spans_received_total: {
    emitter: 'tempo',
    kind: 'counter',
    source: `${TEMPO_GENERATOR} metricSpansIngested`,
    labels: ['tenant'],
    note: 'only when the metrics-generator runs',
  },
  tempo_metrics_generator_spans_discarded_total: {
    emitter: 'tempo',
    kind: 'counter',
    source: `${TEMPO_GENERATOR} metricSpansDiscarded`,
    labels: ['tenant', 'reason', 'processor'],
    note: 'only when the metrics-generator runs',
  },
  prometheus_remote_storage_samples_failed_total: {
    emitter: 'tempo',
    kind: 'counter',
    source: TEMPO_GENERATOR_RW,
    note: 'queried with the Tempo job matcher only: here it means the metrics-generator failing to remote-write span metrics',
  },

  // --- Tempo metrics-generator output (span metrics, service graph) -------
  traces_spanmetrics_calls_total: {
    emitter: 'tempo-metrics-generator',
    kind: 'counter',
    source: TEMPO_SPANMETRICS,
    labels: ['service', 'span_name', 'span_kind', 'status_code'],
  },
  ...histogram('traces_spanmetrics_latency', 'tempo-metrics-generator', TEMPO_SPANMETRICS, ['service', 'span_name', 'span_kind', 'status_code']),
  traces_service_graph_request_total: {
    emitter: 'tempo-metrics-generator',
    kind: 'counter',
    source: TEMPO_SERVICEGRAPH,
    labels: ['client', 'server', 'connection_type'],
  },
  traces_service_graph_request_failed_total: {
    emitter: 'tempo-metrics-generator',
    kind: 'counter',
    source: TEMPO_SERVICEGRAPH,
    labels: ['client', 'server', 'connection_type'],
  },
  ...histogram('traces_service_graph_request_server_seconds', 'tempo-metrics-generator', TEMPO_SERVICEGRAPH, ['client', 'server']),

  // --- Prometheus ---------------------------------------------------------
  prometheus_http_requests_total: { emitter: 'prometheus', kind: 'counter', source: `${PROM_WEB} requestCounter`, labels: ['handler', 'code'] },
  ...histogram('prometheus_http_request_duration_seconds', 'prometheus', `${PROM_WEB} requestDuration (native histogram factor 1.1)`, ['handler']),
  prometheus_tsdb_head_series: { emitter: 'prometheus', kind: 'gauge', source: `${PROM_HEAD} series` },
  prometheus_tsdb_head_samples_appended_total: {
    emitter: 'prometheus',
    kind: 'counter',
    source: `${PROM_HEAD} samplesAppended (label type)`,
    labels: ['type'],
  },
  prometheus_tsdb_head_truncations_failed_total: { emitter: 'prometheus', kind: 'counter', source: `${PROM_HEAD} headTruncateFail` },
  prometheus_tsdb_wal_corruptions_total: { emitter: 'prometheus', kind: 'counter', source: `${PROM_HEAD} walCorruptionsTotal` },
  prometheus_tsdb_compactions_failed_total: { emitter: 'prometheus', kind: 'counter', source: `${PROM_DB} compactionsFailed` },
  prometheus_tsdb_reloads_failures_total: { emitter: 'prometheus', kind: 'counter', source: `${PROM_DB} reloadsFailed` },
  prometheus_rule_evaluation_failures_total: { emitter: 'prometheus', kind: 'counter', source: `${PROM_RULES} EvalFailures`, labels: ['rule_group'] },
  prometheus_rule_group_iterations_missed_total: {
    emitter: 'prometheus',
    kind: 'counter',
    source: `${PROM_RULES} IterationsMissed`,
    labels: ['rule_group'],
  },
  prometheus_config_last_reload_successful: {
    emitter: 'prometheus',
    kind: 'gauge',
    source: 'prometheus/prometheus v3.14.0 cmd/prometheus/main.go configSuccess',
  },
};

/** True when `name` is allowlisted. */
export function isKnownMetric(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(METRICS, name);
}

/** Returns `name` after checking it is allowlisted (throws otherwise), so builders fail fast on typos. */
export function metric(name: string): string {
  if (!isKnownMetric(name)) throw new ValidationError([{ field: 'name', value: name, allowed: 'a metric in the allowlist of dashboards/metrics.ts' }], 'metric');
  return name;
}

/** The collector's metric names for a naming convention. */
export interface CollectorMetricNames {
  readonly receiverAccepted: (signal: CollectorSignal) => string;
  readonly receiverRefused: (signal: CollectorSignal) => string;
  readonly exporterSent: (signal: CollectorSignal) => string;
  readonly exporterSendFailed: (signal: CollectorSignal) => string;
  readonly exporterEnqueueFailed: (signal: CollectorSignal) => string;
  readonly queueSize: string;
  readonly queueCapacity: string;
  readonly memoryRss: string;
  readonly heapAlloc: string;
  readonly cpuSeconds: string;
}

function itemOf(signal: CollectorSignal): string {
  const s = COLLECTOR_SIGNALS.find((x) => x.signal === signal);
  if (!s) throw new ValidationError([{ field: 'signal', value: signal, allowed: 'a collector signal' }], 'collector metrics');
  return s.item;
}

/** The collector's own metric names under a {@link CollectorMetricNaming}. */
export function collectorMetricNames(naming: CollectorMetricNaming = 'prometheus'): CollectorMetricNames {
  const counter = (raw: string) => metric(naming === 'prometheus' ? `${raw}_total` : raw);
  const gauge = (raw: keyof typeof COLLECTOR_GAUGES) => metric(naming === 'prometheus' ? COLLECTOR_GAUGES[raw].prometheus : raw);
  return {
    receiverAccepted: (s) => counter(`otelcol_receiver_accepted_${itemOf(s)}`),
    receiverRefused: (s) => counter(`otelcol_receiver_refused_${itemOf(s)}`),
    exporterSent: (s) => counter(`otelcol_exporter_sent_${itemOf(s)}`),
    exporterSendFailed: (s) => counter(`otelcol_exporter_send_failed_${itemOf(s)}`),
    exporterEnqueueFailed: (s) => counter(`otelcol_exporter_enqueue_failed_${itemOf(s)}`),
    queueSize: gauge('otelcol_exporter_queue_size'),
    queueCapacity: gauge('otelcol_exporter_queue_capacity'),
    memoryRss: gauge('otelcol_process_memory_rss'),
    heapAlloc: gauge('otelcol_process_runtime_heap_alloc_bytes'),
    cpuSeconds: counter('otelcol_process_cpu_seconds'),
  };
}
