import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import {
  AlertRule,
  collectorAlerts,
  gatewayAlerts,
  isKnownMetric,
  lokiAlerts,
  prometheusAlerts,
  RuleGroup,
  rulesYaml,
  SEVERITIES,
  stackRuleSets,
  tempoAlerts,
} from '../dashboards';
import { scrapeJobRef } from '../lib/scrape-config';
import { is } from '../lib/validation';
import { metricNamesOf, parsePromql } from './support/promql';

const allRules = (sets: Record<string, RuleGroup[]>): AlertRule[] => Object.values(sets).flatMap((groups) => groups.flatMap((g) => g.rules));
const byName = (groups: RuleGroup[], alert: string): AlertRule => {
  const r = groups.flatMap((g) => g.rules).find((x) => x.alert === alert);
  if (!r) throw new Error(`no rule ${alert}`);
  return r;
};

/** Keys Prometheus accepts (prometheus v3.16.0 docs/configuration/recording_rules.md, alerting_rules.md). */
const GROUP_KEYS = ['name', 'interval', 'limit', 'query_offset', 'labels', 'rules'];
const ALERT_KEYS = ['alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];

/** A job ref, as `Prometheus.scrape` or a collector's discovery jobs return it. */
const J = (name: string) => scrapeJobRef({ job_name: name });
/** The jobs of the backends as the stacks create them (Prometheus.scrape(loki), selfJob). */
const JOBS = { loki: { job: J('loki') }, tempo: { job: J('tempo') }, prometheus: { job: J('prometheus') } };

const VARIANTS: Record<string, Record<string, RuleGroup[]>> = {
  defaults: stackRuleSets(JOBS),
  'raw collector naming, several jobs': stackRuleSets({
    collector: { naming: 'raw', job: [J('otel-agent'), J('otel-gateway')] },
    loki: { job: J('observability/loki') },
    tempo: { job: [J('tempo')] },
    prometheus: { job: J('prom') },
    gateway: { job: J('kgateway-data-plane'), errorRatio: 0.1 },
  }),
};

describe('alert rule expressions', () => {
  const cases = Object.entries(VARIANTS).flatMap(([variant, sets]) => allRules(sets).map((r) => [`${variant}: ${r.alert}`, r] as const));

  test.each(cases)('GIVEN %s WHEN parsed THEN it is valid PromQL over allowlisted metrics only', (_name, r) => {
    const info = parsePromql(r.expr);
    expect(info.errors).toEqual([]);
    expect(info.nameMatchers).toEqual([]);
    expect(info.metricNames.length).toBeGreaterThan(0);
    expect(info.metricNames.filter((n) => !isKnownMetric(n))).toEqual([]);
  });

  test('GIVEN a broken expression THEN the checker used above rejects it (the test can fail)', () => {
    expect(parsePromql('sum(rate(x[5m])').errors).not.toEqual([]);
    expect(parsePromql('rate(up) > 0').errors).not.toEqual([]);
  });
});

describe('rule set structure', () => {
  test.each(Object.entries(VARIANTS))('GIVEN %s THEN alert names and group names are unique across all sets', (_v, sets) => {
    const alerts = allRules(sets).map((r) => r.alert);
    expect(new Set(alerts).size).toBe(alerts.length);
    const groups = Object.values(sets).flatMap((gs) => gs.map((g) => g.name));
    expect(new Set(groups).size).toBe(groups.length);
    for (const name of Object.keys(sets)) expect(is.dnsLabel(name)).toBe(true);
  });

  test.each(Object.entries(VARIANTS))('GIVEN %s THEN every rule has a valid for, a known severity, a summary and a description', (_v, sets) => {
    for (const r of allRules(sets)) {
      expect(r.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(is.duration(r.for)).toBe(true);
      expect(r.labels).toEqual({ severity: expect.any(String) });
      expect(SEVERITIES).toContain(r.labels!.severity);
      expect(Object.keys(r.annotations ?? {}).sort()).toEqual(['description', 'summary']);
      expect(r.annotations!.summary.length).toBeGreaterThan(10);
      expect(r.annotations!.description.length).toBeGreaterThan(20);
      // Balanced template delimiters (Go templates in annotations).
      for (const a of Object.values(r.annotations!)) expect(a.split('{{').length).toBe(a.split('}}').length);
    }
  });

  test('GIVEN the default rule sets THEN they are named for prometheus.addRules and cover every component', () => {
    expect(Object.keys(stackRuleSets(JOBS))).toEqual(['otel-collector', 'loki', 'tempo', 'prometheus', 'kgateway']);
    expect(Object.keys(stackRuleSets({ ...JOBS, gateway: false }))).toEqual(['otel-collector', 'loki', 'tempo', 'prometheus']);
  });
});

describe('backend down alerts', () => {
  test.each([
    ['collector', collectorAlerts(), 'OtelCollector', 'otel-collector'],
    ['loki', lokiAlerts(JOBS.loki), 'Loki', 'loki'],
    ['tempo', tempoAlerts(JOBS.tempo), 'Tempo', 'tempo'],
    ['gateway', gatewayAlerts(), 'KgatewayProxy', 'kgateway-data-plane'],
  ] as const)('GIVEN %s and its job (collector and kgateway: the metrics collector discovery jobs by default) THEN up == 0 and absent(up) select it', (_c, groups, prefix, job) => {
    expect(byName(groups, `${prefix}Down`)).toEqual(
      expect.objectContaining({ expr: `up{job="${job}"} == 0`, for: '5m', labels: { severity: 'critical' } }),
    );
    expect(byName(groups, `${prefix}TargetMissing`)).toEqual(
      expect.objectContaining({ expr: `absent(up{job="${job}"})`, for: '15m', labels: { severity: 'warning' } }),
    );
  });

  test('GIVEN custom job values THEN every job-scoped selector uses them, escaped', () => {
    const loki = lokiAlerts({ job: J('ns/lo"ki') });
    expect(byName(loki, 'LokiDown').expr).toBe('up{job="ns/lo\\"ki"} == 0');
    for (const r of loki[0].rules) {
      expect(r.expr).toContain('job="ns/lo\\"ki"');
      expect(parsePromql(r.expr).errors).toEqual([]);
    }
    const collectors = collectorAlerts({ job: [J('otel.agent'), J('otel-gateway')] });
    expect(byName(collectors, 'OtelCollectorDown').expr).toBe('up{job=~"otel\\\\.agent|otel-gateway"} == 0');
    const prom = prometheusAlerts({ job: J('self') });
    for (const r of prom[0].rules) expect(r.expr).toContain('job="self"');
  });

  test('GIVEN an invalid job or ratio THEN the error names the field, the value and what is allowed', () => {
    expect(() => lokiAlerts({ job: J('') })).toThrow(/lokiAlerts\.job: \[""\] is invalid; allowed: the ref of the scrape job/);
    expect(() => tempoAlerts({ job: [] })).toThrow(/tempoAlerts\.job: \[\] is invalid/);
    expect(() => prometheusAlerts({ job: [J('a'), J('a')] })).toThrow(/prometheusAlerts\.job: \["a","a"\] is invalid; allowed: .*distinct/);
    expect(() => lokiAlerts(undefined as any)).toThrow(/lokiAlerts\.job: \[\] is invalid/);
    expect(() => collectorAlerts({ queueFillRatio: 1.5 })).toThrow(/collectorAlerts\.queueFillRatio: 1\.5 is invalid; allowed: a number between 0 and 1/);
    expect(() => collectorAlerts({ naming: 'otlp' as any })).toThrow(/collectorAlerts\.naming: "otlp" is invalid/);
    expect(() => gatewayAlerts({ errorRatio: 0 })).toThrow(/gatewayAlerts\.errorRatio: 0 is invalid/);
  });
});

describe('what the alerts watch', () => {
  test('GIVEN the collector rules THEN refused, send-failed and enqueue-failed cover every signal and the queue ratio is size / capacity > 0.8', () => {
    const g = collectorAlerts();
    const refused = byName(g, 'OtelCollectorReceiverRefusingData').expr;
    const send = byName(g, 'OtelCollectorExporterSendFailing').expr;
    const enqueue = byName(g, 'OtelCollectorExporterEnqueueFailing').expr;
    for (const [signal, item] of [
      ['traces', 'spans'],
      ['metrics', 'metric_points'],
      ['logs', 'log_records'],
    ]) {
      expect(refused).toContain(`otelcol_receiver_refused_${item}_total`);
      expect(refused).toContain(`"signal", "${signal}"`);
      expect(send).toContain(`otelcol_exporter_send_failed_${item}_total`);
      expect(send).toContain(`otelcol_exporter_sent_${item}_total`);
      expect(enqueue).toContain(`otelcol_exporter_enqueue_failed_${item}_total`);
    }
    // A receiver that refused everything has no accepted series: it must still alert.
    expect(refused).toContain(
      'sum by (job, instance, receiver) (rate(otelcol_receiver_refused_spans_total[5m])) / (sum by (job, instance, receiver) (rate(otelcol_receiver_refused_spans_total[5m])) + (sum by (job, instance, receiver) (rate(otelcol_receiver_accepted_spans_total[5m])) or sum by (job, instance, receiver) (rate(otelcol_receiver_refused_spans_total[5m])) * 0)) > 0.01',
    );
    expect(byName(g, 'OtelCollectorExporterQueueNearlyFull').expr).toBe(
      'max by (job, instance, exporter, data_type) (otelcol_exporter_queue_size) / max by (job, instance, exporter, data_type) (otelcol_exporter_queue_capacity) > 0.8',
    );
    expect(byName(collectorAlerts({ queueFillRatio: 0.9 }), 'OtelCollectorExporterQueueNearlyFull').expr).toMatch(/> 0\.9$/);
  });

  test('GIVEN the Prometheus rules THEN they watch receiver-side intake errors, rule evaluation, config reloads and all TSDB failure counters', () => {
    const names = prometheusAlerts(JOBS.prometheus)[0].rules.flatMap((r) => metricNamesOf(r.expr));
    for (const n of [
      'prometheus_http_requests_total',
      'prometheus_rule_evaluation_failures_total',
      'prometheus_rule_group_iterations_missed_total',
      'prometheus_config_last_reload_successful',
      'prometheus_tsdb_compactions_failed_total',
      'prometheus_tsdb_head_truncations_failed_total',
      'prometheus_tsdb_reloads_failures_total',
      'prometheus_tsdb_wal_corruptions_total',
      'prometheus_tsdb_head_samples_appended_total',
    ]) {
      expect(names).toContain(n);
    }
    const intake = byName(prometheusAlerts(JOBS.prometheus), 'PrometheusIntakeServerErrors').expr;
    expect(intake).toContain('handler=~"/api/v1/write|/api/v1/otlp/v1/metrics", code=~"5.."');
    // Prometheus receives remote write here; it does not send it.
    expect(names).not.toContain('prometheus_remote_storage_samples_failed_total');
  });

  test('GIVEN the Loki and Tempo rules THEN they watch ingestion errors and discards', () => {
    const loki = lokiAlerts(JOBS.loki);
    expect(byName(loki, 'LokiPushErrors').expr).toContain('status_code=~"5.."');
    expect(metricNamesOf(byName(loki, 'LokiPushErrors').expr)).toEqual(['loki_request_duration_seconds', 'loki_request_duration_seconds_count']);
    expect(metricNamesOf(byName(loki, 'LokiDiscardingLogs').expr)).toEqual(['loki_discarded_samples_total']);
    const tempo = tempoAlerts(JOBS.tempo);
    expect(metricNamesOf(byName(tempo, 'TempoDiscardingSpans').expr)).toEqual(['tempo_discarded_spans_total']);
    expect(byName(tempo, 'TempoMetricsGeneratorRemoteWriteFailing').expr).toContain('prometheus_remote_storage_samples_failed_total{job="tempo"}');
  });
});

describe('rule files', () => {
  test.each(Object.entries(stackRuleSets(JOBS)))('GIVEN rule set %s THEN the YAML round-trips, uses only Prometheus rule keys and matches the snapshot', (_name, groups) => {
    const text = rulesYaml(groups);
    const doc = parse(text);
    expect(doc).toEqual({ groups: JSON.parse(JSON.stringify(groups)) });
    expect(Object.keys(doc)).toEqual(['groups']);
    for (const g of doc.groups) {
      for (const k of Object.keys(g)) expect(GROUP_KEYS).toContain(k);
      for (const r of g.rules) for (const k of Object.keys(r)) expect(ALERT_KEYS).toContain(k);
    }
    expect(text).toMatchSnapshot();
  });
});

/**
 * The promtool of the pinned Prometheus, built by `npm run verify` into
 * .verify/bin (CI builds it before the tests and sets LGTM_REQUIRE_PROMTOOL,
 * so there the test never skips); outside CI, a missing build skips the test
 * with a message.
 */
function findPromtool(): string | undefined {
  const built = join(__dirname, '..', '.verify', 'bin', 'promtool');
  if (existsSync(built)) return built;
  if (process.env.LGTM_REQUIRE_PROMTOOL) throw new Error(`LGTM_REQUIRE_PROMTOOL is set but ${built} does not exist: run \`npm run verify -- --build-only\``);
  return undefined;
}

const promtool = findPromtool();
const withPromtool = promtool ? test : test.skip;

describe('promtool', () => {
  withPromtool(
    promtool ? 'GIVEN every rendered rule file WHEN checked by promtool THEN it passes' : 'promtool check rules (SKIPPED: .verify/bin/promtool is not built; run `npm run verify -- --build-only`)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'lgtm-rules-'));
      try {
        for (const [name, groups] of Object.entries(VARIANTS).flatMap(([v, sets]) => Object.entries(sets).map(([n, g]) => [`${v.replace(/\W+/g, '-')}-${n}`, g] as const))) {
          const file = join(dir, `${name}.yaml`);
          writeFileSync(file, rulesYaml(groups));
          execFileSync(promtool!, ['check', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
