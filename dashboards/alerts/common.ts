/**
 * Helpers shared by the alert-rule builders: one way to write a rule (severity
 * label, summary and description annotations), the scrape-target selector and
 * the "target down / target missing" pair every backend gets.
 */
import { ScrapeJobRef } from '../../lib/scrape-config';
import { is, Rule, validate } from '../../lib/validation';
import { Matcher, sel } from '../promql';
import { AlertRule, Severity } from '../types';

/** The window of every rate in the rules. */
export const RATE_WINDOW = '5m';

/** What a rule builder needs to know about a scrape job. */
export interface JobOptions {
  /**
   * The scrape job(s) that scrape the component, as returned by whoever
   * created them (`Prometheus.scrape`, the metrics collector's
   * `scrapeJobs`): their `job` label is what the rules select. Several are
   * matched with `job=~"a|b"`.
   */
  readonly job: ScrapeJobRef | readonly ScrapeJobRef[];
}

/** The job names of job refs, validated (field path names the builder). */
export function resolveJobs(fn: string, job: ScrapeJobRef | readonly ScrapeJobRef[] | undefined): readonly string[] {
  const refs: readonly ScrapeJobRef[] = job === undefined ? [] : Array.isArray(job) ? job : [job as ScrapeJobRef];
  const jobs = refs.map((r) => r?.jobName);
  const rules: Rule[] = [
    {
      field: `${fn}.job`,
      value: jobs,
      ok: (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((j) => is.nonEmpty(j)) && new Set(v).size === v.length,
      allowed: 'the ref of the scrape job (or a list of distinct refs) that scrapes the component, as returned by whoever created the job',
    },
  ];
  validate(`dashboards.${fn}`, rules);
  return jobs;
}

/** `job="x"` or, for several, `job=~"x|y"` (values escaped). */
export function jobMatcher(jobs: readonly string[]): Matcher {
  if (jobs.length === 1) return ['job', '=', jobs[0]];
  return ['job', '=~', jobs.map((j) => j.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')).join('|')];
}

/** Inputs of {@link rule}. */
export interface RuleSpec {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
}

/** An alerting rule with a `severity` label and `summary`/`description` annotations. */
export function rule(r: RuleSpec): AlertRule {
  return {
    alert: r.alert,
    expr: r.expr,
    for: r.for,
    labels: { severity: r.severity },
    annotations: { summary: r.summary, description: r.description },
  };
}

/**
 * `<Name>Down` (a target of the job failed its scrape for 5m) and
 * `<Name>TargetMissing` (no target of the job at all for 15m, e.g. the
 * workload is gone or the scrape job was removed).
 */
export function targetRules(name: string, component: string, jobs: readonly string[]): AlertRule[] {
  const up = sel('up', [jobMatcher(jobs)]);
  return [
    rule({
      alert: `${name}Down`,
      expr: `${up} == 0`,
      for: '5m',
      severity: 'critical',
      summary: `${component} target {{ $labels.instance }} is down`,
      description: `${component} target {{ $labels.instance }} of job {{ $labels.job }} has failed its scrapes for 5 minutes.`,
    }),
    rule({
      alert: `${name}TargetMissing`,
      expr: `absent(${up})`,
      for: '15m',
      severity: 'warning',
      summary: `No ${component} target is scraped`,
      description: `No scrape target of job(s) ${jobs.join(', ')} has existed for 15 minutes: ${component} is not deployed, or is not scraped any more.`,
    }),
  ];
}
