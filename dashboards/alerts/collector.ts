/**
 * Alert rules for the OpenTelemetry collectors (0.159.0 self-metrics):
 * refused data, exporter send and enqueue failures, exporter queues near
 * capacity, and the collectors' scrape targets.
 *
 * `otelcol_exporter_send_failed_*` counts items whose send still failed after
 * the retry sender gave up (the obs-report sender wraps the retry sender:
 * exporter/exporterhelper/internal/base_exporter.go at v0.159.0), i.e. data
 * lost. `otelcol_exporter_enqueue_failed_*` counts items dropped because the
 * sending queue was full.
 */
import { COLLECTOR_METRIC_NAMINGS, COLLECTOR_SIGNALS, collectorMetricNames, CollectorMetricNaming } from '../metrics';
import { by, sel, withLabel } from '../promql';
import { RuleGroup } from '../types';
import { POD_DISCOVERY_JOBS } from '../../lib/collector/prometheus';
import { is, validate } from '../../lib/validation';
import { JobOptions, RATE_WINDOW, resolveJobs, rule, targetRules } from './common';

export interface CollectorAlertOptions extends Partial<JobOptions> {
  /** How the collector's metrics are named in Prometheus (see ./metrics.ts). @default 'prometheus' */
  readonly naming?: CollectorMetricNaming;
  /** Fraction of refused or failed items that fires an alert. @default 0.01 */
  readonly failureRatio?: number;
  /** Exporter queue fill (size / capacity) that fires an alert. @default 0.8 */
  readonly queueFillRatio?: number;
}

const W = RATE_WINDOW;

/** `sum by (g) (rate(m[5m]))`. */
function r(name: string, group: readonly string[]): string {
  return `sum${by(group)} (rate(${sel(name)}[${W}]))`;
}

/**
 * `failed / (failed + ok) > threshold`, where a missing `ok` series counts as
 * zero: the SDK creates a counter's series on its first increment, so a
 * receiver that refused everything since it started has no accepted series,
 * and a plain `+` would drop the failing series instead of alerting.
 */
function failureShare(failed: string, ok: string, threshold: number): string {
  return `${failed} / (${failed} + (${ok} or ${failed} * 0)) > ${threshold}`;
}

/** Collector alert rules, one group. */
export function collectorAlerts(opts: CollectorAlertOptions = {}): RuleGroup[] {
  const jobs = resolveJobs('collectorAlerts', opts.job ?? POD_DISCOVERY_JOBS.collectors);
  const naming = opts.naming ?? 'prometheus';
  const failureRatio = opts.failureRatio ?? 0.01;
  const queueFill = opts.queueFillRatio ?? 0.8;
  const ratio = (v: unknown) => typeof v === 'number' && v > 0 && v < 1;
  validate('dashboards.collectorAlerts', [
    { field: 'collectorAlerts.naming', value: naming, ok: is.oneOf(COLLECTOR_METRIC_NAMINGS), allowed: is.oneOfAllowed(COLLECTOR_METRIC_NAMINGS) },
    { field: 'collectorAlerts.failureRatio', value: failureRatio, ok: ratio, allowed: 'a number between 0 and 1 (exclusive)' },
    { field: 'collectorAlerts.queueFillRatio', value: queueFill, ok: ratio, allowed: 'a number between 0 and 1 (exclusive)' },
  ]);
  const m = collectorMetricNames(naming);
  const RECV = ['job', 'instance', 'receiver'];
  const EXP = ['job', 'instance', 'exporter'];
  const perSignal = (f: (signal: (typeof COLLECTOR_SIGNALS)[number]['signal']) => string) =>
    COLLECTOR_SIGNALS.map(({ signal }) => withLabel(f(signal), 'signal', signal)).join('\nor\n');
  const QG = by(['job', 'instance', 'exporter', 'data_type']);

  return [
    {
      name: 'otel-collector',
      rules: [
        ...targetRules('OtelCollector', 'OpenTelemetry collector', jobs),
        rule({
          alert: 'OtelCollectorReceiverRefusingData',
          expr: perSignal(
            (s) => failureShare(r(m.receiverRefused(s), RECV), r(m.receiverAccepted(s), RECV), failureRatio),
          ),
          for: '10m',
          severity: 'warning',
          summary: 'Collector receiver {{ $labels.receiver }} refuses {{ $labels.signal }}',
          description:
            'Receiver {{ $labels.receiver }} on {{ $labels.instance }} refused {{ $value | humanizePercentage }} of incoming {{ $labels.signal }} for 10 minutes (typically the memory limiter pushing back). Senders must retry or lose the data.',
        }),
        rule({
          alert: 'OtelCollectorExporterSendFailing',
          expr: perSignal(
            (s) => failureShare(r(m.exporterSendFailed(s), EXP), r(m.exporterSent(s), EXP), failureRatio),
          ),
          for: '10m',
          severity: 'critical',
          summary: 'Collector exporter {{ $labels.exporter }} fails to send {{ $labels.signal }}',
          description:
            'Exporter {{ $labels.exporter }} on {{ $labels.instance }} failed to send {{ $value | humanizePercentage }} of its {{ $labels.signal }} after retries for 10 minutes; that data is lost. Check the destination backend.',
        }),
        rule({
          alert: 'OtelCollectorExporterEnqueueFailing',
          expr: perSignal((s) => `${r(m.exporterEnqueueFailed(s), EXP)} > 0`),
          for: '5m',
          severity: 'critical',
          summary: 'Collector exporter {{ $labels.exporter }} drops {{ $labels.signal }}: queue full',
          description:
            'Exporter {{ $labels.exporter }} on {{ $labels.instance }} drops {{ $value | humanize }} {{ $labels.signal }} items per second because its sending queue is full.',
        }),
        rule({
          alert: 'OtelCollectorExporterQueueNearlyFull',
          expr: `max${QG} (${sel(m.queueSize)}) / max${QG} (${sel(m.queueCapacity)}) > ${queueFill}`,
          for: '10m',
          severity: 'warning',
          summary: 'Collector exporter {{ $labels.exporter }} queue is {{ $value | humanizePercentage }} full',
          description:
            'The {{ $labels.data_type }} sending queue of exporter {{ $labels.exporter }} on {{ $labels.instance }} has been above ' +
            `${Math.round(queueFill * 100)}% of its capacity for 10 minutes; when it is full, new data is dropped.`,
        }),
      ],
    },
  ];
}
