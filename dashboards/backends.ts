/**
 * The storage backends: Loki and Tempo ingestion and errors, Prometheus head
 * series, remote-write and OTLP intake, and rule evaluation. All names are in
 * the allowlist of ./metrics.ts with their upstream source.
 */
import { DashboardSpec } from './types';
import { DashboardOptions, resolveDashboardOptions } from './options';
import { newDashboard, PanelIds, plainJson, row, statPanel, timeseriesPanel } from './panels';
import { alternation, histogramCountRate, histogramQuantile, Matcher, sel, sumRate } from './promql';
import { LOKI_PUSH_ROUTES, PROMETHEUS_INTAKE_HANDLERS } from './series';

export { LOKI_PUSH_ROUTES, PROMETHEUS_INTAKE_HANDLERS };

/** Stable uid of the backends dashboard. */
export const BACKENDS_DASHBOARD_UID = 'lgtm-backends';

const W = '$__rate_interval';

/** The backends dashboard (Loki, Tempo, Prometheus). */
export function backendsDashboard(opts: DashboardOptions = {}): DashboardSpec {
  const { ds, folder } = resolveDashboardOptions('backendsDashboard', opts);
  const ids = new PanelIds();

  const lokiPush: Matcher[] = [['route', '=~', alternation(LOKI_PUSH_ROUTES)]];
  const lokiPush5xx: Matcher[] = [...lokiPush, ['status_code', '=~', '5..']];
  const intake: Matcher[] = [['handler', '=~', alternation(Object.values(PROMETHEUS_INTAKE_HANDLERS))]];
  const intakeErrors: Matcher[] = [...intake, ['code', '!~', '2..']];
  // Only Tempo's metrics-generator wraps its remote-write metrics with a tenant label.
  const generatorRw: Matcher[] = [['tenant', '!=', '']];

  const dash = newDashboard({
    uid: BACKENDS_DASHBOARD_UID,
    title: 'LGTM backends (Loki, Tempo, Prometheus)',
    description: 'Ingestion volume and errors of Loki and Tempo; Prometheus head series, remote-write and OTLP intake, rule evaluation.',
    tags: ['lgtm', 'loki', 'tempo', 'prometheus'],
  })
    // ------------------------------------------------------------------ Loki
    .withRow(row(ids, 'Loki'))
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Loki: ingested bytes',
        description: 'Uncompressed bytes received by the distributor per tenant (structured metadata included).',
        unit: 'Bps',
        span: 8,
        queries: [{ expr: sumRate('loki_distributor_bytes_received_total', [], W, ['tenant']), legend: '{{tenant}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Loki: ingested lines',
        description: 'Log lines received by the distributor per tenant.',
        unit: 'short',
        span: 8,
        queries: [{ expr: sumRate('loki_distributor_lines_received_total', [], W, ['tenant']), legend: '{{tenant}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Loki: discarded lines',
        description: 'Log lines rejected by validation or limits, by reason (e.g. rate_limited, stream_limit, line_too_long).',
        unit: 'short',
        span: 8,
        queries: [{ expr: sumRate('loki_discarded_samples_total', [], W, ['reason']), legend: '{{reason}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Loki: push requests by status',
        description: 'Push requests per second (Loki API, Prometheus-style and OTLP routes) by route and HTTP status.',
        unit: 'reqps',
        span: 8,
        stacked: true,
        queries: [{ expr: histogramCountRate('loki_request_duration_seconds', lokiPush, W, ['route', 'status_code']), legend: '{{route}} {{status_code}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Loki: push 5xx ratio',
        description: 'Share of push requests answered with a 5xx status.',
        unit: 'percentunit',
        span: 8,
        min: 0,
        thresholds: [
          [null, 'green'],
          [0.05, 'red'],
        ],
        queries: [
          {
            expr: `${histogramCountRate('loki_request_duration_seconds', lokiPush5xx, W, ['route'])} / ${histogramCountRate('loki_request_duration_seconds', lokiPush, W, ['route'])}`,
            legend: '{{route}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Loki: push p99 latency',
        description: '99th percentile of the push request duration, by route.',
        unit: 's',
        span: 8,
        queries: [{ expr: histogramQuantile(0.99, 'loki_request_duration_seconds', lokiPush, W, ['route']), legend: '{{route}}' }],
      }),
    )
    // ----------------------------------------------------------------- Tempo
    .withRow(row(ids, 'Tempo'))
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Tempo: received spans',
        description: 'Spans received by the distributor per tenant.',
        unit: 'short',
        span: 8,
        queries: [{ expr: sumRate('tempo_distributor_spans_received_total', [], W, ['tenant']), legend: '{{tenant}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Tempo: received bytes',
        description: 'Proto bytes received by the distributor per tenant, after limits.',
        unit: 'Bps',
        span: 8,
        queries: [{ expr: sumRate('tempo_distributor_bytes_received_total', [], W, ['tenant']), legend: '{{tenant}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Tempo: discarded spans',
        description: 'Spans discarded, by reason (rate_limited, trace_too_large, live_traces_exceeded, ...).',
        unit: 'short',
        span: 8,
        queries: [{ expr: sumRate('tempo_discarded_spans_total', [], W, ['reason']), legend: '{{reason}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Tempo: ingester append failures',
        description: 'Failed batch appends from the distributor to ingesters.',
        unit: 'short',
        span: 8,
        queries: [{ expr: sumRate('tempo_distributor_ingester_append_failures_total', [], W, ['ingester']), legend: '{{ingester}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Tempo: metrics-generator spans',
        description: 'Spans the metrics-generator received, and discarded by reason (span metrics and service graph input).',
        unit: 'short',
        span: 8,
        queries: [
          { expr: sumRate('tempo_metrics_generator_spans_received_total', [], W), legend: 'received' },
          { expr: sumRate('tempo_metrics_generator_spans_discarded_total', [], W, ['reason']), legend: 'discarded {{reason}}' },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Tempo: span metrics remote-write failures',
        description: 'Samples the metrics-generator failed to remote-write to Prometheus (non-recoverable errors), per tenant.',
        unit: 'short',
        span: 8,
        queries: [{ expr: sumRate('prometheus_remote_storage_samples_failed_total', generatorRw, W, ['tenant']), legend: '{{tenant}}' }],
      }),
    )
    // ------------------------------------------------------------ Prometheus
    .withRow(row(ids, 'Prometheus'))
    .withPanel(
      statPanel(ids, ds, {
        title: 'Head series',
        description: 'Series in the TSDB head block (active series).',
        unit: 'short',
        query: { expr: `sum(${sel('prometheus_tsdb_head_series')})`, legend: 'series' },
      }),
    )
    .withPanel(
      statPanel(ids, ds, {
        title: 'Samples appended / s',
        description: 'Samples appended to the head block per second, all sample types.',
        unit: 'short',
        query: { expr: sumRate('prometheus_tsdb_head_samples_appended_total', [], W), legend: 'samples' },
      }),
    )
    .withPanel(
      statPanel(ids, ds, {
        title: 'Intake error ratio',
        description: 'Share of remote-write and OTLP requests not answered with 2xx.',
        unit: 'percentunit',
        query: { expr: `(${sumRate('prometheus_http_requests_total', intakeErrors, W)} or vector(0)) / ${sumRate('prometheus_http_requests_total', intake, W)}`, legend: 'errors' },
        thresholds: [
          [null, 'green'],
          [0.01, 'orange'],
          [0.05, 'red'],
        ],
      }),
    )
    .withPanel(
      statPanel(ids, ds, {
        title: 'Rule evaluation failures / s',
        description: 'Failed rule evaluations per second over all rule groups.',
        unit: 'short',
        query: { expr: sumRate('prometheus_rule_evaluation_failures_total', [], W), legend: 'failures' },
        thresholds: [
          [null, 'green'],
          [0.001, 'red'],
        ],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Prometheus: head series',
        description: 'Series in the TSDB head block, per instance.',
        unit: 'short',
        span: 8,
        queries: [{ expr: `sum by (instance) (${sel('prometheus_tsdb_head_series')})`, legend: '{{instance}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Prometheus: intake requests',
        description: 'Remote-write (/api/v1/write) and OTLP (/api/v1/otlp/v1/metrics) requests per second, by handler and status code.',
        unit: 'reqps',
        span: 8,
        stacked: true,
        queries: [{ expr: sumRate('prometheus_http_requests_total', intake, W, ['handler', 'code']), legend: '{{handler}} {{code}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Prometheus: intake p99 latency',
        description: '99th percentile of the remote-write and OTLP request duration, by handler.',
        unit: 's',
        span: 8,
        queries: [{ expr: histogramQuantile(0.99, 'prometheus_http_request_duration_seconds', intake, W, ['handler']), legend: '{{handler}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Prometheus: samples appended',
        description: 'Samples appended to the head block per second, by sample type.',
        unit: 'short',
        span: 12,
        queries: [{ expr: sumRate('prometheus_tsdb_head_samples_appended_total', [], W, ['type']), legend: '{{type}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Prometheus: rule evaluation failures',
        description: 'Failed rule evaluations per second, by rule group.',
        unit: 'short',
        span: 12,
        queries: [{ expr: sumRate('prometheus_rule_evaluation_failures_total', [], W, ['rule_group']), legend: '{{rule_group}}' }],
      }),
    );

  const model = dash.build();
  return { folder, uid: BACKENDS_DASHBOARD_UID, title: model.title ?? '', json: plainJson(model) };
}
