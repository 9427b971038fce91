/**
 * Every dashboard panel and alert expression the rendered stack ships, asked
 * of the real Prometheus after the end-to-end run: a panel whose inputs the
 * run produces must return data; an alert's every input selector must match
 * series (an alert over a job or metric name nothing produces can never
 * fire). Queries the run cannot feed are listed with the reason, and that
 * list is kept in verify/README.md (a check compares the two).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { PromClient } from './e2e';
import { ROOT } from './paths';
import { K8sObject } from './render';
import { Report } from './report';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const pkg = require(path.join(ROOT, 'build', 'index.js'));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const promql = require(path.join(ROOT, 'build', 'lib', 'promql.js'));

/** Who the end-to-end run has emit metrics: the collectors, Prometheus itself, the recorded kgateway proxy, scrapes (`up`). */
export const FED_EMITTERS = new Set(['otelcol', 'prometheus', 'envoy', 'scrape']);

/** Why a query is not fed, per emitter. */
const UNFED_REASON: Record<string, string> = {
  loki: 'Loki metrics: the Loki image is deployed, never built here (AGPL); its intake is stood in by a collector',
  tempo: 'Tempo metrics: the Tempo image is deployed, never built here (AGPL); its intake is stood in by a collector',
  'tempo-metrics-generator': "span metrics and service graphs come from Tempo's metrics-generator, which does not run here",
};

export interface RenderedQuery {
  readonly kind: 'panel' | 'alert';
  /** `<dashboard>: <panel title>` or `<rule group>: <alert>`. */
  readonly where: string;
  readonly expr: string;
  /** Why the run cannot feed it (when found out by running it). */
  readonly reason?: string;
}

/** Every PromQL of the rendered dashboards and alert rules of a cluster. */
export function renderedQueries(objects: K8sObject[]): RenderedQuery[] {
  const out: RenderedQuery[] = [];
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
    for (const [key, text] of Object.entries<string>(cm.data ?? {})) {
      if (key.endsWith('.json') && cm.metadata.name.startsWith('grafana-dashboard-')) {
        const d = JSON.parse(text);
        for (const t of promql.promqlTargets(d) as { expr: unknown; panelTitle: unknown }[]) {
          if (typeof t.expr === 'string') out.push({ kind: 'panel', where: `${d.title}: ${t.panelTitle}`, expr: t.expr });
        }
      }
      if (cm.metadata.name.startsWith('prometheus-rules-')) {
        for (const g of parse(text).groups ?? []) for (const r of g.rules ?? []) if (r.alert) out.push({ kind: 'alert', where: `${g.name}: ${r.alert}`, expr: r.expr });
      }
    }
  }
  return out;
}

/** Why the run cannot feed a query, or undefined when it can. */
export function unfedReason(q: RenderedQuery): string | undefined {
  const names: string[] = promql.parsePromql(promql.expandGrafanaIntervals(q.expr)).metricNames;
  const infos = names.map((n) => ({ n, i: pkg.dashboards.METRICS[n] as { emitter: string; onlyOnFailure?: boolean } | undefined }));
  const unknown = infos.filter((x) => !x.i).map((x) => x.n);
  if (unknown.length) return `metrics not in the allowlist: ${unknown.join(', ')}`;
  const reasons = [...new Set(infos.filter((x) => !FED_EMITTERS.has(x.i!.emitter)).map((x) => UNFED_REASON[x.i!.emitter] ?? `emitter ${x.i!.emitter}`))];
  if (reasons.length) return reasons.join('; ');
  if (q.kind === 'panel' && infos.every((x) => x.i!.onlyOnFailure)) return FAILURE_ONLY;
  return undefined;
}

const FAILURE_ONLY = 'failure counters only: their series exist once something failed, never in a healthy run';

/** Labels whose values only appear when requests fail (a 5xx series exists once a 5xx happened). */
const OUTCOME_LABELS = ['code', 'status_code'];

/** A selector without its matchers on outcome labels (`code=~"5.."`). */
export function withoutOutcome(selector: string): string {
  let s = selector;
  for (const l of OUTCOME_LABELS) s = s.replace(new RegExp(`,?\\s*\\b${l}\\s*(=~|!~|!=|=)\\s*"(?:[^"\\\\]|\\\\.)*"`, 'g'), '');
  return s.replace(/\{\s*,\s*/, '{');
}

/** Grafana's substitution of the dashboards' own template variables ("All" selected). */
function substituteVariables(expr: string): string {
  // $__rate_interval is 4 scrape intervals (30 s) in Grafana.
  return promql.expandGrafanaIntervals(expr.replace(/\$__rate_interval\b/g, '2m')).replace(/\$\{?(\w+)\}?/g, '.+');
}

/** `a_bucket`, `a_count` and `a` are one histogram's classic and native forms. */
const histogramBase = (name: string) => name.replace(/_(bucket|count|sum)$/, '');

export async function checkQueries(r: Report, prom: PromClient, objects: K8sObject[], scope: string): Promise<RenderedQuery[]> {
  const queries = renderedQueries(objects);
  const unfed: RenderedQuery[] = [];
  for (const q of queries) {
    if (unfedReason(q) !== undefined) {
      unfed.push(q);
      continue;
    }
    if (q.kind === 'panel') {
      const res = await prom.query(substituteVariables(q.expr));
      const names: string[] = promql.parsePromql(promql.expandGrafanaIntervals(q.expr)).metricNames;
      if (res.length === 0 && names.some((n) => pkg.dashboards.METRICS[n]?.onlyOnFailure)) {
        // A ratio over failures is empty while nothing fails.
        unfed.push({ ...q, reason: 'its failure counters exist once something failed, never in a healthy run' });
        continue;
      }
      r.check(`queries: ${scope}: panel "${q.where}" returns data from Prometheus (${res.length} series)`, res.length > 0, res.length ? undefined : q.expr);
    } else {
      // Every input selector must match series; the native and classic forms of a histogram stand in for each other.
      const info = promql.parsePromql(q.expr);
      const selectors: string[] = [...new Set<string>(info.vectorSelectors)];
      const has = new Map<string, boolean>();
      for (const s of selectors) {
        // A series of a failing outcome (code="5xx") exists once a failure happened: the input is the metric with its other matchers.
        has.set(s, (await prom.query(`count(${s})`)).length > 0 || (withoutOutcome(s) !== s && (await prom.query(`count(${withoutOutcome(s)})`)).length > 0));
      }
      const nameOf = (s: string) => /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(s)?.[0] ?? s;
      const missing = selectors.filter((s) => {
        if (has.get(s)) return false;
        const info2 = pkg.dashboards.METRICS[nameOf(s)] as { onlyOnFailure?: boolean } | undefined;
        if (info2?.onlyOnFailure) return false;
        const base = histogramBase(nameOf(s));
        const matchers = s.slice(nameOf(s).length);
        return !selectors.some((o) => o !== s && histogramBase(nameOf(o)) === base && o.slice(nameOf(o).length) === matchers && has.get(o));
      });
      r.check(
        `queries: ${scope}: alert "${q.where}" selects series Prometheus has (${selectors.length} selectors)`,
        missing.length === 0,
        missing.length ? `no series for: ${missing.join(', ')}` : undefined,
      );
    }
  }
  return unfed;
}

/** The README list of queries the end-to-end run cannot feed (markdown), from the rendered queries. */
export function unfedMarkdown(unfed: RenderedQuery[]): string {
  const rows = new Map<string, string>();
  for (const q of unfed) rows.set(`${q.kind === 'panel' ? 'Panel' : 'Alert'} | ${q.where}`, q.reason ?? unfedReason(q)!);
  return ['| Kind | Where | Why the run cannot feed it |', '|---|---|---|', ...[...rows.entries()].sort().map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

const START = '<!-- verify:unfed:start -->';
const END = '<!-- verify:unfed:end -->';
const README = path.join(ROOT, 'verify', 'README.md');

/** Checks (or with `write`, updates) the README's list of unfed queries. */
export function checkUnfedList(r: Report, unfed: RenderedQuery[], write: boolean): void {
  const want = unfedMarkdown(unfed);
  const count = want.split('\n').length - 2;
  const text = fs.readFileSync(README, 'utf8');
  const i = text.indexOf(START);
  const j = text.indexOf(END);
  const have = i >= 0 && j > i ? text.slice(i + START.length, j).trim() : '';
  if (write && have !== want) {
    fs.writeFileSync(README, `${text.slice(0, i + START.length)}\n${want}\n${text.slice(j)}`);
    r.check(`queries: verify/README.md lists the ${count} queries the run cannot feed (rewritten)`, true);
    return;
  }
  r.check(
    `queries: verify/README.md lists exactly the ${count} queries the run cannot feed, with the reason`,
    have === want,
    have === want ? undefined : `run \`npm run verify -- --only e2e --write-docs\` to rewrite it; expected:\n${want}`,
  );
}
