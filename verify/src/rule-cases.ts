/**
 * A `promtool test rules` case for every alert rule the package ships: the
 * series that a healthy pipeline shows (the alert stays quiet) and the series
 * of the failure the alert is about (it fires). Metric names and label sets
 * are not typed here: each series takes the label set the end-to-end run
 * observed for that metric (or, for a series that only exists on failure, for
 * the sibling metric named in `like`), and `set` changes only the labels that
 * describe the failure (a status code, a reason).
 *
 * Values use promtool's expanding notation at a 1m interval: `0+60x40` is a
 * counter rising by 60 a minute (1/s) for 40 minutes.
 */

export interface SeriesSpec {
  /** The series name as Prometheus stores it. */
  readonly metric: string;
  /**
   * Take the observed label set of this metric instead (a failure-only counter
   * takes its healthy sibling's: `otelcol_exporter_send_failed_spans_total`
   * like `otelcol_exporter_sent_spans_total`; Loki's and Tempo's own metrics,
   * which the run cannot produce, like their job's `up`).
   */
  readonly like?: string;
  /** The `job` whose observed series to use. @default the alert's own job */
  readonly job?: string;
  /** Labels changed or added to describe the failure. */
  readonly set?: Readonly<Record<string, string>>;
  /** Values while healthy; absent: no such series while healthy. */
  readonly healthy?: string;
  /** Values while failing; absent: no such series while failing. */
  readonly failing?: string;
}

export interface AlertCase {
  readonly alert: string;
  /** The job the alert selects (and whose observed series are used). */
  readonly job: string;
  readonly series: readonly SeriesSpec[];
  /** When to evaluate: past the rule's `for` and its windows. */
  readonly evalTime: string;
  /** Labels of the firing alert copied from the first failing series (`*`: all of them). */
  readonly expect: readonly string[] | '*';
  /** Labels of the firing alert with a fixed value (e.g. `signal` from label_replace). */
  readonly expectFixed?: Readonly<Record<string, string>>;
}

const RISING = '0+60x60';
const FLAT = '100+0x60';

/** The up/absent pair every scraped component has. */
function targetCases(prefix: string, job: string): AlertCase[] {
  return [
    { alert: `${prefix}Down`, job, evalTime: '20m', expect: '*', series: [{ metric: 'up', healthy: '1x30', failing: '0x30' }] },
    {
      alert: `${prefix}TargetMissing`,
      job,
      evalTime: '30m',
      expect: [],
      expectFixed: { job },
      // Healthy: the target exists; failing: no target of the job at all (another job keeps the test non-empty).
      series: [
        { metric: 'up', healthy: '1x40' },
        { metric: 'up', job: 'prometheus', healthy: '1x40', failing: '1x40' },
      ],
    },
  ];
}

/** kgateway's 5xx share over 2xx and 5xx responses of the recorded proxy's series. */
function envoy5xxCase(alert: string, metric: string, by: string): AlertCase {
  const cls = (c: string) => ({ envoy_response_code_class: c });
  return {
    alert,
    job: 'kgateway-data-plane',
    evalTime: '30m',
    expect: ['job', by],
    series: [
      { metric, set: cls('2'), healthy: RISING, failing: RISING },
      { metric, set: cls('5'), healthy: FLAT, failing: RISING },
    ],
  };
}

/** A counter that only rises while failing. */
const failingCounter = (metric: string, set?: Record<string, string>, like?: string): SeriesSpec => ({ metric, like, set, healthy: FLAT, failing: RISING });

export const ALERT_CASES: readonly AlertCase[] = [
  // --- Prometheus -----------------------------------------------------------
  ...(['5', '4'] as const).map((c) => ({
    alert: c === '5' ? 'PrometheusIntakeServerErrors' : 'PrometheusIntakeRejected',
    job: 'prometheus',
    evalTime: '40m',
    expect: ['job', 'instance', 'handler'],
    series: [
      { metric: 'prometheus_http_requests_total', set: { handler: '/api/v1/write', code: '204' }, healthy: RISING, failing: RISING },
      { metric: 'prometheus_http_requests_total', set: { handler: '/api/v1/write', code: `${c}00` }, failing: RISING },
    ],
  })),
  {
    alert: 'PrometheusNotIngestingSamples',
    job: 'prometheus',
    evalTime: '30m',
    expect: ['job', 'instance'],
    series: [{ metric: 'prometheus_tsdb_head_samples_appended_total', healthy: RISING, failing: FLAT }],
  },
  {
    alert: 'PrometheusRuleEvaluationFailures',
    job: 'prometheus',
    evalTime: '30m',
    expect: ['job', 'instance', 'rule_group'],
    series: [failingCounter('prometheus_rule_evaluation_failures_total')],
  },
  {
    alert: 'PrometheusRuleGroupIterationsMissed',
    job: 'prometheus',
    evalTime: '30m',
    expect: ['job', 'instance', 'rule_group'],
    series: [failingCounter('prometheus_rule_group_iterations_missed_total')],
  },
  {
    alert: 'PrometheusConfigReloadFailed',
    job: 'prometheus',
    evalTime: '30m',
    expect: '*',
    series: [{ metric: 'prometheus_config_last_reload_successful', healthy: '1x40', failing: '0x40' }],
  },
  ...[
    ['PrometheusTSDBCompactionsFailing', 'prometheus_tsdb_compactions_failed_total'],
    ['PrometheusTSDBReloadsFailing', 'prometheus_tsdb_reloads_failures_total'],
    ['PrometheusTSDBHeadTruncationsFailing', 'prometheus_tsdb_head_truncations_failed_total'],
    ['PrometheusTSDBWALCorruptions', 'prometheus_tsdb_wal_corruptions_total'],
  ].map(([alert, metric]) => ({
    alert,
    job: 'prometheus',
    evalTime: '8h',
    expect: '*' as const,
    series: [{ metric, healthy: '0x500', failing: '0+1x500' }],
  })),

  // --- Loki (its own metrics take the labels of its observed target) --------
  ...targetCases('Loki', 'loki'),
  {
    alert: 'LokiPushErrors',
    job: 'loki',
    evalTime: '30m',
    expect: ['job'],
    expectFixed: { route: 'otlp_v1_logs' },
    series: [
      { metric: 'loki_request_duration_seconds_count', like: 'up', set: { method: 'POST', route: 'otlp_v1_logs', status_code: '204', ws: 'false' }, healthy: RISING, failing: RISING },
      { metric: 'loki_request_duration_seconds_count', like: 'up', set: { method: 'POST', route: 'otlp_v1_logs', status_code: '500', ws: 'false' }, failing: RISING },
    ],
  },
  {
    alert: 'LokiDiscardingLogs',
    job: 'loki',
    evalTime: '30m',
    expect: ['job'],
    expectFixed: { tenant: 'fake', reason: 'rate_limited' },
    series: [failingCounter('loki_discarded_samples_total', { tenant: 'fake', reason: 'rate_limited' }, 'up')],
  },

  // --- Tempo ---------------------------------------------------------------
  ...targetCases('Tempo', 'tempo'),
  {
    alert: 'TempoDiscardingSpans',
    job: 'tempo',
    evalTime: '30m',
    expect: ['job'],
    expectFixed: { tenant: 'single-tenant', reason: 'rate_limited' },
    series: [failingCounter('tempo_discarded_spans_total', { tenant: 'single-tenant', reason: 'rate_limited' }, 'up')],
  },
  {
    alert: 'TempoIngesterAppendFailures',
    job: 'tempo',
    evalTime: '30m',
    expect: ['job', 'instance'],
    series: [failingCounter('tempo_distributor_ingester_append_failures_total', { ingester: '127.0.0.1:9095' }, 'up')],
  },
  {
    alert: 'TempoMetricsGeneratorRemoteWriteFailing',
    job: 'tempo',
    evalTime: '30m',
    expect: ['job', 'instance'],
    expectFixed: { tenant: 'single-tenant' },
    series: [failingCounter('prometheus_remote_storage_samples_failed_total', { tenant: 'single-tenant', remote_name: 'prometheus-0', url: 'http://prometheus.telemetry.svc:9090/api/v1/write' }, 'up')],
  },

  // --- Grafana -------------------------------------------------------------
  ...targetCases('Grafana', 'grafana'),

  // --- Collectors ----------------------------------------------------------
  ...targetCases('OtelCollector', 'otel-collector'),
  {
    alert: 'OtelCollectorReceiverRefusingData',
    job: 'otel-collector',
    evalTime: '30m',
    expect: ['job', 'instance', 'receiver'],
    expectFixed: { signal: 'traces' },
    series: [
      { metric: 'otelcol_receiver_accepted_spans_total', healthy: RISING, failing: RISING },
      { metric: 'otelcol_receiver_refused_spans_total', healthy: FLAT, failing: RISING },
    ],
  },
  {
    alert: 'OtelCollectorExporterSendFailing',
    job: 'otel-collector',
    evalTime: '30m',
    expect: ['job', 'instance', 'exporter'],
    expectFixed: { signal: 'logs' },
    series: [
      { metric: 'otelcol_exporter_sent_log_records_total', healthy: RISING, failing: RISING },
      { metric: 'otelcol_exporter_send_failed_log_records_total', like: 'otelcol_exporter_sent_log_records_total', failing: RISING },
    ],
  },
  {
    alert: 'OtelCollectorExporterEnqueueFailing',
    job: 'otel-collector',
    evalTime: '30m',
    expect: ['job', 'instance', 'exporter'],
    expectFixed: { signal: 'metrics' },
    series: [
      { metric: 'otelcol_exporter_sent_metric_points_total', healthy: RISING, failing: RISING },
      { metric: 'otelcol_exporter_enqueue_failed_metric_points_total', like: 'otelcol_exporter_sent_metric_points_total', failing: RISING },
    ],
  },
  {
    alert: 'OtelCollectorExporterQueueNearlyFull',
    job: 'otel-collector',
    evalTime: '30m',
    expect: ['job', 'instance', 'exporter', 'data_type'],
    series: [
      { metric: 'otelcol_exporter_queue_capacity', healthy: '1000x40', failing: '1000x40' },
      { metric: 'otelcol_exporter_queue_size', healthy: '10x40', failing: '950x40' },
    ],
  },

  // --- kgateway --------------------------------------------------------------
  ...targetCases('KgatewayProxy', 'kgateway-data-plane'),
  envoy5xxCase('KgatewayListener5xxHigh', 'envoy_http_downstream_rq_xx_total', 'envoy_http_conn_manager_prefix'),
  envoy5xxCase('KgatewayUpstream5xxHigh', 'envoy_cluster_upstream_rq_xx_total', 'envoy_cluster_name'),
];
