/**
 * Alert rules for Prometheus 3.14 as the stack's metrics backend: it RECEIVES
 * remote write and OTLP (it does not remote-write itself), so intake errors
 * are read on the receiving handlers; plus rule evaluation, configuration
 * reloads, TSDB failures and ingestion stalling.
 *
 * No "Prometheus down" rule: Prometheus evaluates these rules itself, so it
 * cannot alert on its own absence (that needs an external watchdog).
 */
import { PROMETHEUS_INTAKE_HANDLERS } from '../series';
import { alternation, Matcher, sel, sumRate } from '../promql';
import { RuleGroup } from '../types';
import { jobMatcher, JobOptions, RATE_WINDOW, resolveJobs, rule } from './common';

/** Prometheus alert rules, one group. */
export function prometheusAlerts(opts: JobOptions): RuleGroup[] {
  const jobs = resolveJobs('prometheusAlerts', opts?.job);
  const job = jobMatcher(jobs);
  const intake: Matcher[] = [job, ['handler', '=~', alternation(Object.values(PROMETHEUS_INTAKE_HANDLERS))]];
  const I = ['job', 'instance'];
  const IH = ['job', 'instance', 'handler'];
  const tsdbFailure = (alert: string, name: string, what: string) =>
    rule({
      alert,
      expr: `increase(${sel(name, [job])}[3h]) > 0`,
      for: '4h',
      severity: 'warning',
      summary: `Prometheus ${what}`,
      description: `Prometheus {{ $labels.instance }} has had {{ $value | humanize }} ${what} in the last 3 hours.`,
    });

  return [
    {
      name: 'prometheus',
      rules: [
        rule({
          alert: 'PrometheusIntakeServerErrors',
          expr: `${sumRate('prometheus_http_requests_total', [...intake, ['code', '=~', '5..']], RATE_WINDOW, IH)} / ${sumRate('prometheus_http_requests_total', intake, RATE_WINDOW, IH)} > 0.05`,
          for: '10m',
          severity: 'critical',
          summary: 'Prometheus fails {{ $value | humanizePercentage }} of {{ $labels.handler }} requests',
          description:
            'More than 5% of remote-write/OTLP requests to {{ $labels.handler }} on {{ $labels.instance }} have failed with a 5xx status for 10 minutes; senders retry and their queues grow.',
        }),
        rule({
          alert: 'PrometheusIntakeRejected',
          expr: `${sumRate('prometheus_http_requests_total', [...intake, ['code', '=~', '4..']], RATE_WINDOW, IH)} / ${sumRate('prometheus_http_requests_total', intake, RATE_WINDOW, IH)} > 0.05`,
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus rejects {{ $value | humanizePercentage }} of {{ $labels.handler }} requests',
          description:
            'More than 5% of remote-write/OTLP requests to {{ $labels.handler }} on {{ $labels.instance }} have been rejected with a 4xx status for 15 minutes (invalid, out-of-order or too old samples); that data is dropped, not retried.',
        }),
        rule({
          alert: 'PrometheusNotIngestingSamples',
          expr: `${sumRate('prometheus_tsdb_head_samples_appended_total', [job], RATE_WINDOW, I)} <= 0`,
          for: '10m',
          severity: 'critical',
          summary: 'Prometheus {{ $labels.instance }} is not ingesting samples',
          description: 'Prometheus {{ $labels.instance }} has appended no samples to its head block for 10 minutes: scrapes, remote write and OTLP intake all stopped.',
        }),
        rule({
          alert: 'PrometheusRuleEvaluationFailures',
          expr: `${sumRate('prometheus_rule_evaluation_failures_total', [job], RATE_WINDOW, ['job', 'instance', 'rule_group'])} > 0`,
          for: '15m',
          severity: 'critical',
          summary: 'Prometheus fails to evaluate rules of group {{ $labels.rule_group }}',
          description:
            'Prometheus {{ $labels.instance }} has failed {{ $value | humanize }} rule evaluations/s in group {{ $labels.rule_group }} for 15 minutes; alerts of that group may not fire.',
        }),
        rule({
          alert: 'PrometheusRuleGroupIterationsMissed',
          expr: `${sumRate('prometheus_rule_group_iterations_missed_total', [job], RATE_WINDOW, ['job', 'instance', 'rule_group'])} > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus misses evaluations of rule group {{ $labels.rule_group }}',
          description: 'Rule group {{ $labels.rule_group }} on {{ $labels.instance }} takes longer than its interval and misses evaluations.',
        }),
        rule({
          alert: 'PrometheusConfigReloadFailed',
          expr: `max_over_time(${sel('prometheus_config_last_reload_successful', [job])}[5m]) == 0`,
          for: '10m',
          severity: 'warning',
          summary: 'Prometheus {{ $labels.instance }} failed to reload its configuration',
          description: 'The last configuration (or rule file) reload of Prometheus {{ $labels.instance }} failed; it keeps running the previous configuration.',
        }),
        tsdbFailure('PrometheusTSDBCompactionsFailing', 'prometheus_tsdb_compactions_failed_total', 'TSDB compaction failures'),
        tsdbFailure('PrometheusTSDBReloadsFailing', 'prometheus_tsdb_reloads_failures_total', 'TSDB block reload failures'),
        tsdbFailure('PrometheusTSDBHeadTruncationsFailing', 'prometheus_tsdb_head_truncations_failed_total', 'TSDB head truncation failures'),
        tsdbFailure('PrometheusTSDBWALCorruptions', 'prometheus_tsdb_wal_corruptions_total', 'TSDB WAL corruptions'),
      ],
    },
  ];
}
