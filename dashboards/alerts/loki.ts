/**
 * Alert rules for Loki 3.7: target down or missing, push requests failing
 * (5xx on the push routes) and log lines being discarded.
 */
import { LOKI_PUSH_ROUTES } from '../series';
import { alternation, histogramCountRate, Matcher, sumRate } from '../promql';
import { RuleGroup } from '../types';
import { jobMatcher, JobOptions, RATE_WINDOW, resolveJobs, rule, targetRules } from './common';

/** Loki alert rules, one group. */
export function lokiAlerts(opts: JobOptions): RuleGroup[] {
  const jobs = resolveJobs('lokiAlerts', opts?.job);
  const job = jobMatcher(jobs);
  const push: Matcher[] = [job, ['route', '=~', alternation(LOKI_PUSH_ROUTES)]];
  const push5xx: Matcher[] = [...push, ['status_code', '=~', '5..']];
  const G = ['job', 'route'];
  return [
    {
      name: 'loki',
      rules: [
        ...targetRules('Loki', 'Loki', jobs),
        rule({
          alert: 'LokiPushErrors',
          expr: `${histogramCountRate('loki_request_duration_seconds', push5xx, RATE_WINDOW, G)} / ${histogramCountRate('loki_request_duration_seconds', push, RATE_WINDOW, G)} > 0.05`,
          for: '10m',
          severity: 'critical',
          summary: 'Loki rejects {{ $value | humanizePercentage }} of pushes on {{ $labels.route }}',
          description:
            'More than 5% of log push requests on route {{ $labels.route }} (job {{ $labels.job }}) have failed with a 5xx status for 10 minutes; clients retry, then drop logs.',
        }),
        rule({
          alert: 'LokiDiscardingLogs',
          expr: `${sumRate('loki_discarded_samples_total', [job], RATE_WINDOW, ['job', 'tenant', 'reason'])} > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'Loki discards log lines of tenant {{ $labels.tenant }} ({{ $labels.reason }})',
          description:
            'Loki has been discarding {{ $value | humanize }} lines/s of tenant {{ $labels.tenant }} for 15 minutes, reason {{ $labels.reason }} (validation or limits, e.g. rate_limited, stream_limit, line_too_long).',
        }),
      ],
    },
  ];
}
