/**
 * Alert rules for Tempo 2.10: target down or missing, spans discarded,
 * distributor-to-ingester append failures, and the metrics-generator failing
 * to remote-write span metrics / service graph series to Prometheus.
 */
import { sumRate } from '../promql';
import { RuleGroup } from '../types';
import { jobMatcher, JobOptions, RATE_WINDOW, resolveJobs, rule, targetRules } from './common';

/** Tempo alert rules, one group. */
export function tempoAlerts(opts: JobOptions): RuleGroup[] {
  const jobs = resolveJobs('tempoAlerts', opts?.job);
  const job = jobMatcher(jobs);
  return [
    {
      name: 'tempo',
      rules: [
        ...targetRules('Tempo', 'Tempo', jobs),
        rule({
          alert: 'TempoDiscardingSpans',
          expr: `${sumRate('tempo_discarded_spans_total', [job], RATE_WINDOW, ['job', 'tenant', 'reason'])} > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'Tempo discards spans of tenant {{ $labels.tenant }} ({{ $labels.reason }})',
          description:
            'Tempo has been discarding {{ $value | humanize }} spans/s of tenant {{ $labels.tenant }} for 15 minutes, reason {{ $labels.reason }} (rate_limited, trace_too_large, live_traces_exceeded, ...).',
        }),
        rule({
          alert: 'TempoIngesterAppendFailures',
          expr: `${sumRate('tempo_distributor_ingester_append_failures_total', [job], RATE_WINDOW, ['job', 'instance'])} > 0`,
          for: '10m',
          severity: 'critical',
          summary: 'Tempo distributor cannot append traces to ingesters',
          description:
            'The Tempo distributor {{ $labels.instance }} has failed {{ $value | humanize }} batch appends/s to ingesters for 10 minutes; traces are being lost.',
        }),
        rule({
          alert: 'TempoMetricsGeneratorRemoteWriteFailing',
          expr: `${sumRate('prometheus_remote_storage_samples_failed_total', [job], RATE_WINDOW, ['job', 'instance', 'tenant'])} > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'Tempo metrics-generator cannot remote-write span metrics',
          description:
            'The Tempo metrics-generator {{ $labels.instance }} (tenant {{ $labels.tenant }}) has failed to remote-write {{ $value | humanize }} samples/s for 15 minutes; span metrics and the service graph are incomplete.',
        }),
      ],
    },
  ];
}
