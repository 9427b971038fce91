/**
 * `promtool test rules` for every alert rule the rendered stack ships (see
 * rule-cases.ts): a healthy test (no alert) and a failing test (the alert
 * fires, with the labels the case expects), over series whose names and
 * labels the end-to-end run observed in the real Prometheus.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { PromClient } from './e2e';
import { bin } from './paths';
import { run } from './proc';
import { K8sObject } from './render';
import { Report } from './report';
import { ALERT_CASES, AlertCase, SeriesSpec } from './rule-cases';

type Labels = Record<string, string>;

/** The observed label sets of every metric the cases use, read from the run's Prometheus. */
export async function observeSeries(prom: PromClient): Promise<Map<string, Labels[]>> {
  const names = new Set<string>();
  for (const c of ALERT_CASES) for (const s of c.series) names.add(s.like ?? s.metric);
  const out = new Map<string, Labels[]>();
  for (const n of names) {
    const series = await prom.series(n);
    out.set(n, series.map(({ __name__: _n, ...l }) => l));
  }
  return out;
}

/** `name{a="b", c!~"x"}` → its matchers. */
function matchersOf(selector: string): { label: string; op: string; value: string }[] {
  const body = /\{(.*)\}/.exec(selector)?.[1] ?? '';
  return [...body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => ({ label: m[1], op: m[2], value: JSON.parse(`"${m[3]}"`) }));
}

function matches(labels: Labels, m: { label: string; op: string; value: string }): boolean {
  const v = labels[m.label] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(v);
    default:
      return !new RegExp(`^(?:${m.value})$`).test(v);
  }
}

const seriesText = (metric: string, labels: Labels) =>
  `${metric}{${Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;

/**
 * The label set of each series of a case: an observed label set of the metric
 * (or of `like`) of the right job, agreeing with the alert's matchers for that
 * metric and with the series chosen before it on the labels they share.
 */
export function caseSeries(c: AlertCase, expr: string, observed: Map<string, Labels[]>): { spec: SeriesSpec; labels: Labels }[] {
  const chosen: { spec: SeriesSpec; labels: Labels }[] = [];
  for (const spec of c.series) {
    const source = spec.like ?? spec.metric;
    const job = spec.job ?? c.job;
    const selectors = [...expr.matchAll(new RegExp(`\\b${spec.metric}(\\{[^}]*\\})?`, 'g'))].map((m) => m[0]);
    const ms = selectors.flatMap(matchersOf).filter((m) => !(spec.set && m.label in spec.set) && m.label !== 'job');
    const candidates = (observed.get(source) ?? []).filter((l) => l.job === job && ms.every((m) => matches(l, m)));
    if (candidates.length === 0) throw new Error(`${c.alert}: the run observed no ${source}{job="${job}"} series matching ${JSON.stringify(ms)}`);
    const agrees = (l: Labels) => chosen.every((o) => Object.keys(l).every((k) => !(k in o.labels) || (spec.set && k in spec.set) || o.labels[k] === l[k]));
    const pick = candidates.find(agrees) ?? candidates[0];
    chosen.push({ spec, labels: { ...pick, ...(spec.set ?? {}) } });
  }
  return chosen;
}

/** The labels the firing alert must carry. */
function expectedLabels(c: AlertCase, rule: any, series: { spec: SeriesSpec; labels: Labels }[]): Labels {
  const failing = series.find((s) => s.spec.failing !== undefined && s.spec.healthy === undefined) ?? series.find((s) => s.spec.failing !== undefined)!;
  const copied = c.expect === '*' ? failing.labels : Object.fromEntries(c.expect.map((k) => [k, failing.labels[k]]));
  return { ...copied, ...(c.expectFixed ?? {}), ...(rule.labels ?? {}), alertname: c.alert };
}

/** Parses promtool's report of the alerts it got (`Labels:{…}` / `Annotations:{…}` lines). */
export function gotAlerts(out: string): { labels: Labels; annotations: Labels }[] {
  const got = out.slice(out.indexOf('got:'));
  const block = (kind: string) => [...got.matchAll(new RegExp(`${kind}:\\{(.*)\\}\\s*$`, 'gm'))].map((m) => Object.fromEntries([...m[1].matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], JSON.parse(`"${x[2]}"`)])));
  const labels = block('Labels');
  const annotations = block('Annotations');
  return labels.map((l, i) => ({ labels: l, annotations: annotations[i] ?? {} }));
}

export async function checkRuleTests(r: Report, objects: K8sObject[], observed: Map<string, Labels[]>, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const rules = new Map<string, { file: string; rule: any }>();
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('prometheus-rules-'))) {
    const file = path.join(dir, `${cm.metadata.name}.yaml`);
    fs.writeFileSync(file, cm.data['rules.yaml']);
    for (const g of parse(cm.data['rules.yaml']).groups) for (const rule of g.rules) if (rule.alert) rules.set(rule.alert, { file, rule });
  }
  const untested = [...rules.keys()].filter((a) => !ALERT_CASES.some((c) => c.alert === a));
  r.check(`rules: every shipped alert has a promtool unit test (${rules.size} alerts)`, untested.length === 0, untested.length ? `no case for: ${untested.join(', ')}` : undefined);

  for (const c of ALERT_CASES) {
    const found = rules.get(c.alert);
    if (!found) {
      r.check(`rules: ${c.alert} is rendered`, false, 'a test case exists for an alert the stack does not ship');
      continue;
    }
    let series: { spec: SeriesSpec; labels: Labels }[];
    try {
      series = caseSeries(c, found.rule.expr, observed);
    } catch (e) {
      r.check(`rules: ${c.alert}: its series are observed in the end-to-end run`, false, (e as Error).message);
      continue;
    }
    const input = (which: 'healthy' | 'failing') => series.filter((s) => s.spec[which] !== undefined).map((s) => ({ series: seriesText(s.spec.metric, s.labels), values: s.spec[which]! }));
    const test = (which: 'healthy' | 'failing', expAlerts: unknown[]) => ({
      rule_files: [path.basename(found.file)],
      evaluation_interval: '1m',
      tests: [{ name: `${c.alert} ${which}`, interval: '1m', input_series: input(which), alert_rule_test: [{ eval_time: c.evalTime, alertname: c.alert, exp_alerts: expAlerts }] }],
    });
    const promtool = async (name: string, doc: unknown) => {
      const f = path.join(dir, `${c.alert}.${name}.test.yaml`);
      fs.writeFileSync(f, stringify(doc, { lineWidth: 0 }));
      const res = await run(bin('promtool'), ['test', 'rules', f], { cwd: dir });
      return { ok: res.code === 0, out: `${res.stdout}${res.stderr}` };
    };

    const healthy = await promtool('healthy', test('healthy', []));
    r.check(`rules: ${c.alert} stays quiet on the healthy series (promtool test rules)`, healthy.ok, healthy.ok ? undefined : healthy.out.trim());

    // The failing case: what fired must be exactly this alert, with the expected labels; then
    // the file pins the alerts (labels and the annotations promtool rendered) and must pass.
    const probe = await promtool('failing', test('failing', []));
    const got = gotAlerts(probe.out);
    const want = expectedLabels(c, found.rule, series);
    const same = (a: Labels, b: Labels) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
    const fired = got.length > 0 && got.every((g) => same(g.labels, want));
    const pinned = fired ? await promtool('failing', test('failing', got.map((g) => ({ exp_labels: g.labels, exp_annotations: g.annotations })))) : { ok: false, out: '' };
    r.check(
      `rules: ${c.alert} fires on the failing series with ${JSON.stringify(Object.fromEntries(Object.entries(want).filter(([k]) => k !== 'alertname')))} (promtool test rules)`,
      fired && pinned.ok,
      fired ? (pinned.ok ? undefined : pinned.out.trim()) : `got: ${JSON.stringify(got.map((g) => g.labels))}\n${probe.out.trim().slice(0, 1500)}`,
    );
  }
}
