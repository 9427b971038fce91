/**
 * OpenTelemetry collector pipeline health: what each receiver accepted and
 * refused, what each exporter sent, failed to send or failed to enqueue, per
 * signal; exporter queue fill against capacity; process memory and CPU.
 *
 * Names are the collector 0.159.0 self-metrics (see ./metrics.ts); `naming`
 * selects the Prometheus-suffixed or the raw OTLP names.
 */
import { DashboardSpec } from './types';
import { COLLECTOR_METRIC_NAMINGS, COLLECTOR_SIGNALS, collectorMetricNames, CollectorMetricNaming } from './metrics';
import { DashboardOptions, resolveDashboardOptions } from './options';
import { newDashboard, PanelIds, plainJson, row, statPanel, timeseriesPanel } from './panels';
import { by, sel, sumRate } from './promql';
import { is, validate } from '../lib/validation';

/** Stable uid of the collector dashboard. */
export const COLLECTOR_DASHBOARD_UID = 'lgtm-otel-collector';

export interface CollectorDashboardOptions extends DashboardOptions {
  /** How the collector's metrics are named in Prometheus. @default 'prometheus' */
  readonly naming?: CollectorMetricNaming;
}

const W = '$__rate_interval';
const UNITS: Record<string, { unit: string; noun: string; title: string }> = {
  traces: { unit: 'short', noun: 'spans', title: 'Traces' },
  metrics: { unit: 'short', noun: 'metric points', title: 'Metrics' },
  logs: { unit: 'short', noun: 'log records', title: 'Logs' },
};

/** Queue fill ratio per exporter queue: size / capacity. */
export function queueFillExpr(naming: CollectorMetricNaming = 'prometheus'): string {
  const m = collectorMetricNames(naming);
  const g = by(['job', 'instance', 'exporter', 'data_type']);
  return `max${g} (${sel(m.queueSize)}) / max${g} (${sel(m.queueCapacity)})`;
}

/** The collector dashboard. */
export function collectorDashboard(opts: CollectorDashboardOptions = {}): DashboardSpec {
  const { ds, folder } = resolveDashboardOptions('collectorDashboard', opts);
  const naming = opts.naming ?? 'prometheus';
  validate('dashboards.collectorDashboard', [
    { field: 'collectorDashboard.naming', value: naming, ok: is.oneOf(COLLECTOR_METRIC_NAMINGS), allowed: is.oneOfAllowed(COLLECTOR_METRIC_NAMINGS) },
  ]);
  const m = collectorMetricNames(naming);
  const ids = new PanelIds();
  // A collector without, say, a logs pipeline has no log series; `or vector(0)` keeps the sum defined.
  const all = (f: (s: (typeof COLLECTOR_SIGNALS)[number]['signal']) => string) =>
    COLLECTOR_SIGNALS.map(({ signal }) => `(${sumRate(f(signal), [], W)} or vector(0))`).join(' + ');

  let dash = newDashboard({
    uid: COLLECTOR_DASHBOARD_UID,
    title: 'OpenTelemetry collector pipelines',
    description: 'Accepted, refused, sent and failed items per signal, receiver and exporter; exporter queues; collector memory and CPU.',
    tags: ['lgtm', 'opentelemetry', 'collector'],
  })
    .withRow(row(ids, 'Overview'))
    .withPanel(
      statPanel(ids, ds, {
        title: 'Refused items / s',
        description: 'Items (spans, metric points, log records) receivers could not push into the pipeline, e.g. because the memory limiter refused them.',
        unit: 'short',
        query: { expr: all(m.receiverRefused), legend: 'refused' },
        thresholds: [
          [null, 'green'],
          [0.001, 'red'],
        ],
      }),
    )
    .withPanel(
      statPanel(ids, ds, {
        title: 'Send failures / s',
        description: 'Items exporters failed to send to their destination.',
        unit: 'short',
        query: { expr: all(m.exporterSendFailed), legend: 'send failed' },
        thresholds: [
          [null, 'green'],
          [0.001, 'red'],
        ],
      }),
    )
    .withPanel(
      statPanel(ids, ds, {
        title: 'Enqueue failures / s',
        description: 'Items dropped because an exporter sending queue was full.',
        unit: 'short',
        query: { expr: all(m.exporterEnqueueFailed), legend: 'enqueue failed' },
        thresholds: [
          [null, 'green'],
          [0.001, 'red'],
        ],
      }),
    )
    .withPanel(
      statPanel(ids, ds, {
        title: 'Fullest exporter queue',
        description: 'The highest sending-queue fill (size / capacity) over all exporters.',
        unit: 'percentunit',
        query: { expr: `max(${queueFillExpr(naming)})`, legend: 'fill' },
        thresholds: [
          [null, 'green'],
          [0.5, 'orange'],
          [0.8, 'red'],
        ],
      }),
    );

  for (const { signal } of COLLECTOR_SIGNALS) {
    const u = UNITS[signal];
    dash = dash
      .withRow(row(ids, u.title))
      .withPanel(
        timeseriesPanel(ids, ds, {
          title: `${u.title}: receivers`,
          description: `${u.noun} accepted into and refused by the pipeline, per receiver, per second.`,
          unit: u.unit,
          queries: [
            { expr: sumRate(m.receiverAccepted(signal), [], W, ['receiver']), legend: '{{receiver}} accepted' },
            { expr: sumRate(m.receiverRefused(signal), [], W, ['receiver']), legend: '{{receiver}} refused' },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(ids, ds, {
          title: `${u.title}: exporters`,
          description: `${u.noun} sent, failed to send and failed to enqueue, per exporter, per second.`,
          unit: u.unit,
          queries: [
            { expr: sumRate(m.exporterSent(signal), [], W, ['exporter']), legend: '{{exporter}} sent' },
            { expr: sumRate(m.exporterSendFailed(signal), [], W, ['exporter']), legend: '{{exporter}} send failed' },
            { expr: sumRate(m.exporterEnqueueFailed(signal), [], W, ['exporter']), legend: '{{exporter}} enqueue failed' },
          ],
        }),
      );
  }

  dash = dash
    .withRow(row(ids, 'Exporter queues'))
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Queue fill (size / capacity)',
        description: 'Sending-queue fill per exporter queue and collector instance. At 100% new data is dropped (enqueue failures).',
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: [
          [null, 'green'],
          [0.8, 'red'],
        ],
        queries: [{ expr: queueFillExpr(naming), legend: '{{exporter}} {{data_type}} {{instance}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Queue size and capacity',
        description: 'Sending-queue size and its fixed capacity (in the queue sizer\'s units), per exporter queue.',
        unit: 'short',
        queries: [
          { expr: `max${by(['exporter', 'data_type'])} (${sel(m.queueSize)})`, legend: '{{exporter}} {{data_type}} size' },
          { expr: `max${by(['exporter', 'data_type'])} (${sel(m.queueCapacity)})`, legend: '{{exporter}} {{data_type}} capacity' },
        ],
      }),
    )
    .withRow(row(ids, 'Process'))
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Memory',
        description: 'Resident set size and Go heap in use, per collector instance.',
        unit: 'bytes',
        span: 12,
        queries: [
          { expr: `sum${by(['instance'])} (${sel(m.memoryRss)})`, legend: '{{instance}} RSS' },
          { expr: `sum${by(['instance'])} (${sel(m.heapAlloc)})`, legend: '{{instance}} heap' },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'CPU',
        description: 'CPU time used per second (cores), per collector instance.',
        unit: 'short',
        span: 12,
        queries: [{ expr: sumRate(m.cpuSeconds, [], W, ['instance']), legend: '{{instance}}' }],
      }),
    );

  const model = dash.build();
  return { folder, uid: COLLECTOR_DASHBOARD_UID, title: model.title ?? '', json: plainJson(model) };
}
