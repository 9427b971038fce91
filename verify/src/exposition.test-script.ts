/**
 * Self-check of the fake scrape targets (exposition.ts) and their fixtures:
 *
 *     npx tsc -p verify/tsconfig.json && node .verify/js/exposition.test-script.js
 *
 * - every fixture parses (a small text-format parser below) and keeps the
 *   histogram invariants, as recorded and advanced by 0 s .. 1 day at several
 *   rates; advancing changes values only, never a `#` line or a label set;
 *   counters never go down between two advances and do grow; gauges stay;
 * - the metric and label names the package's dashboards, alerts and minimum
 *   metric set use for Envoy / kgateway (read from dashboards/metrics.ts,
 *   dashboards/gateway.ts, dashboards/alerts/gateway.ts and
 *   components/collector/minimum-metrics.ts) are all in the fixtures;
 * - the HTTP server answers with the right status codes and Content-Type and
 *   its counters grow between two scrapes;
 * - when .verify/bin/promtool exists, `promtool check metrics` finds no parse
 *   error in the fixtures nor in advanced output (lint findings are printed).
 *
 * Exits non-zero on any failure.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { advanceExposition, startExpositionServer, TEXT_CONTENT_TYPE } from './exposition';
import { BIN, ROOT } from './paths';

const FIXTURES = path.join(ROOT, 'verify', 'fixtures');
const PROXY = path.join(FIXTURES, 'kgateway-proxy.prom');
const CONTROLLER = path.join(FIXTURES, 'kgateway-controller.prom');

let failures = 0;
let checks = 0;
function check(ok: boolean, what: string): void {
  checks++;
  if (!ok) {
    failures++;
    process.stdout.write(`FAIL ${what}\n`);
  }
}

// ---------------------------------------------------------------------------
// A small parser of the text format 0.0.4 (enough to check the invariants).
// ---------------------------------------------------------------------------

interface Sample {
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  /** The label block as written, without `le` (identifies a histogram series). */
  readonly seriesKey: string;
  readonly value: number;
  readonly line: number;
}
interface Parsed {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
  readonly errors: readonly string[];
}

function parseExposition(text: string): Parsed {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, idx) => {
    const line = raw.replace(/\r$/, '');
    const n = idx + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const t = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (line.startsWith('# TYPE ')) {
        if (!t) errors.push(`line ${n}: bad TYPE line`);
        else if (types.has(t[1])) errors.push(`line ${n}: second TYPE for ${t[1]}`);
        else types.set(t[1], t[2]);
      }
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?$/.exec(line);
    if (!m) {
      errors.push(`line ${n}: not a sample: ${line}`);
      return;
    }
    const labels = new Map<string, string>();
    const body = m[2] ?? '';
    const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
    let pos = 0;
    while (pos < body.length) {
      re.lastIndex = pos;
      const l = re.exec(body);
      if (!l) {
        errors.push(`line ${n}: bad labels {${body}}`);
        return;
      }
      if (labels.has(l[1])) errors.push(`line ${n}: duplicate label ${l[1]}`);
      labels.set(l[1], l[2]);
      pos = re.lastIndex;
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') errors.push(`line ${n}: bad value ${m[3]}`);
    const seriesKey = [...labels].filter(([k]) => k !== 'le').map(([k, v]) => `${k}=${v}`).join(',');
    const id = `${m[1]}{${[...labels].map(([k, v]) => `${k}=${v}`).sort().join(',')}}`;
    if (seen.has(id)) errors.push(`line ${n}: duplicate series ${id}`);
    seen.add(id);
    samples.push({ name: m[1], labels, seriesKey, value, line: n });
  });
  return { types, samples, errors };
}

/** The family a sample belongs to, and its type. */
function familyOf(name: string, types: ReadonlyMap<string, string>): { family: string; type: string } {
  if (types.has(name)) return { family: name, type: types.get(name) ?? 'untyped' };
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && (types.get(base) === 'histogram' || types.get(base) === 'summary')) return { family: base, type: types.get(base) ?? '' };
  }
  return { family: name, type: 'untyped' };
}

/** Structural checks of one exposition; returns the problems found. */
function invariants(p: Parsed): string[] {
  const problems = [...p.errors];
  for (const s of p.samples) {
    const { type } = familyOf(s.name, p.types);
    if (type === 'untyped') problems.push(`line ${s.line}: ${s.name} has no TYPE`);
    if ((type === 'counter' || s.name.endsWith('_bucket') || s.name.endsWith('_count')) && !(s.value >= 0)) problems.push(`line ${s.line}: negative ${s.name}`);
  }
  // Histograms: buckets cumulative in le, +Inf present and == _count.
  const byHist = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const s of p.samples) {
    const { family, type } = familyOf(s.name, p.types);
    if (type !== 'histogram') continue;
    const key = `${family}{${s.seriesKey}}`;
    const h = byHist.get(key) ?? { buckets: [] };
    byHist.set(key, h);
    if (s.name === `${family}_bucket`) {
      const le = s.labels.get('le');
      if (le === undefined) problems.push(`line ${s.line}: bucket without le`);
      else h.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (s.name === `${family}_count`) h.count = s.value;
    else if (s.name === `${family}_sum`) h.sum = s.value;
  }
  for (const [key, h] of byHist) {
    const b = [...h.buckets].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < b.length; i++) if (b[i][1] < b[i - 1][1]) problems.push(`${key}: bucket le=${b[i][0]} (${b[i][1]}) < le=${b[i - 1][0]} (${b[i - 1][1]})`);
    const inf = b.find(([le]) => le === Infinity);
    if (!inf) problems.push(`${key}: no +Inf bucket`);
    if (h.count === undefined || h.sum === undefined) problems.push(`${key}: missing _sum or _count`);
    if (inf && h.count !== undefined && inf[1] !== h.count) problems.push(`${key}: +Inf bucket ${inf[1]} != _count ${h.count}`);
    if (h.count !== undefined && h.count > 0 && h.sum !== undefined && !(h.sum >= 0)) problems.push(`${key}: bad _sum ${h.sum}`);
  }
  return problems;
}

/** histogram_quantile over one classic histogram series (linear interpolation, as PromQL). */
function quantile(q: number, buckets: Array<[number, number]>): number {
  const b = [...buckets].sort((x, y) => x[0] - y[0]);
  const total = b[b.length - 1][1];
  if (total === 0) return NaN;
  const rank = q * total;
  const i = b.findIndex(([, c]) => c >= rank);
  if (b[i][0] === Infinity) return b[b.length - 2][0];
  const [upper, cUpper] = b[i];
  const [lower, cLower] = i === 0 ? [0, 0] : b[i - 1];
  if (cUpper === cLower) return upper;
  return lower + (upper - lower) * ((rank - cLower) / (cUpper - cLower));
}

// ---------------------------------------------------------------------------

function checkFixture(file: string): void {
  const text = fs.readFileSync(file, 'utf8');
  const base = path.basename(file);
  const recorded = parseExposition(text);
  const inv0 = invariants(recorded);
  check(inv0.length === 0, `${base}: recorded exposition: ${inv0.slice(0, 5).join('; ')}`);
  check(recorded.samples.length > 0, `${base}: has samples`);

  const recLines = text.split('\n');
  for (const rate of [undefined, 0.01, 1]) {
    let previous = recorded;
    for (const elapsed of [0, 1, 15, 60, 300, 3600, 86_400]) {
      const out = advanceExposition(text, elapsed, rate);
      const what = `${base} advanced ${elapsed}s at rate ${rate ?? 'default'}`;
      const p = parseExposition(out);
      const inv = invariants(p);
      check(inv.length === 0, `${what}: ${inv.slice(0, 5).join('; ')}`);
      // Only values change: every line keeps everything but its value token.
      const outLines = out.split('\n');
      check(outLines.length === recLines.length, `${what}: line count ${outLines.length} != ${recLines.length}`);
      let changedNonValue = 0;
      for (let i = 0; i < Math.min(outLines.length, recLines.length); i++) {
        const a = recLines[i], b = outLines[i];
        if (a === b) continue;
        if (a.startsWith('#') || a.trim() === '') changedNonValue++;
        else if (a.replace(/\s\S+$/, '') !== b.replace(/\s\S+$/, '')) changedNonValue++;
      }
      check(changedNonValue === 0, `${what}: ${changedNonValue} lines changed outside the value`);
      // Counters never decrease; gauges and quantiles are unchanged.
      for (let i = 0; i < p.samples.length; i++) {
        const s = p.samples[i], before = previous.samples[i], rec = recorded.samples[i];
        const { type } = familyOf(s.name, p.types);
        const grows = type === 'counter' || (type === 'histogram' && s.name !== familyOf(s.name, p.types).family) || (type === 'summary' && (s.name.endsWith('_sum') || s.name.endsWith('_count')));
        if (grows) check(s.value >= before.value, `${what}: ${s.name} went down (${before.value} -> ${s.value}) line ${s.line}`);
        else check(Object.is(s.value, rec.value), `${what}: ${s.name} (${type}) changed (${rec.value} -> ${s.value}) line ${s.line}`);
      }
      previous = p;
    }
  }
  // After a while, every non-zero counter has grown, and quantiles stay finite.
  const later = parseExposition(advanceExposition(text, 600));
  for (let i = 0; i < later.samples.length; i++) {
    const s = later.samples[i], rec = recorded.samples[i];
    const { type } = familyOf(s.name, later.types);
    if (type === 'counter' && rec.value >= 1) check(s.value > rec.value, `${base}: counter ${s.name} did not grow in 600 s (${rec.value})`);
  }
  const hist = new Map<string, Array<[number, number]>>();
  for (const s of later.samples) {
    const { family, type } = familyOf(s.name, later.types);
    if (type !== 'histogram' || s.name !== `${family}_bucket`) continue;
    const key = `${family}{${s.seriesKey}}`;
    const le = s.labels.get('le') ?? '';
    hist.set(key, [...(hist.get(key) ?? []), [le === '+Inf' ? Infinity : Number(le), s.value]]);
  }
  for (const [key, b] of hist) {
    if (b[b.length - 1][1] === 0) continue;
    const q = quantile(0.99, b);
    check(Number.isFinite(q), `${base}: p99 of ${key} is not a number`);
  }
}

/** Names (metrics and labels) the package's Envoy / kgateway queries use. */
function namesUsedByPackage(): { envoy: Set<string>; kgateway: Set<string>; process: Set<string> } {
  const files = ['dashboards/metrics.ts', 'dashboards/gateway.ts', 'dashboards/alerts/gateway.ts', 'components/collector/minimum-metrics.ts'];
  const envoy = new Set<string>(), kgateway = new Set<string>(), proc = new Set<string>();
  for (const f of files) {
    const src = fs.readFileSync(path.join(ROOT, f), 'utf8');
    for (const m of src.matchAll(/['"`(\s](envoy_[a-z0-9_]+)/g)) envoy.add(m[1]);
    for (const m of src.matchAll(/['"`](kgateway_[a-z0-9_]+)['"`]/g)) kgateway.add(m[1]);
    if (f.endsWith('minimum-metrics.ts')) for (const m of src.matchAll(/'(process_[a-z0-9_]+)'/g)) proc.add(m[1]);
  }
  return { envoy, kgateway, process: proc };
}

function checkCoverage(): void {
  const proxy = parseExposition(fs.readFileSync(PROXY, 'utf8'));
  const controller = parseExposition(fs.readFileSync(CONTROLLER, 'utf8'));
  const has = (p: Parsed, n: string) =>
    p.types.has(n) || p.samples.some((s) => s.name === n || s.labels.has(n)) || (n.endsWith('_bucket') && p.types.get(n.slice(0, -7)) === 'histogram');
  const used = namesUsedByPackage();
  check(used.envoy.size >= 10, `found the package's Envoy names (${used.envoy.size})`);
  check(used.kgateway.size >= 3, `found the package's kgateway names (${used.kgateway.size})`);
  for (const n of used.envoy) check(has(proxy, n), `kgateway-proxy.prom lacks ${n}, used by the package`);
  for (const n of [...used.kgateway, ...used.process]) check(has(controller, n), `kgateway-controller.prom lacks ${n}, used by the package`);
  // The label values the dashboards filter on.
  const classes = new Set(proxy.samples.filter((s) => s.name === 'envoy_cluster_upstream_rq_xx').map((s) => s.labels.get('envoy_response_code_class')));
  check(classes.has('5') && classes.has('2'), 'proxy fixture has 2xx and 5xx upstream responses');
  const backends = new Set(proxy.samples.filter((s) => s.name === 'envoy_cluster_upstream_rq_total').map((s) => s.labels.get('envoy_cluster_name')));
  check([...backends].filter((c) => c?.startsWith('kube_')).length === 2, 'proxy fixture has two kube_ backends');
  process.stdout.write(`package names covered: ${used.envoy.size} envoy, ${used.kgateway.size + used.process.size} controller\n`);
}

function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function checkServer(): Promise<void> {
  const server = await startExpositionServer({ host: '127.0.0.1', port: 0, path: '/metrics', file: PROXY, ratePerSecond: 1 });
  try {
    const addr = server.address();
    if (!addr || typeof addr !== 'object') throw new Error('no address');
    const base = `http://127.0.0.1:${addr.port}`;
    const a = await get(`${base}/metrics`);
    check(a.status === 200, `GET /metrics: status ${a.status}`);
    check(a.type === TEXT_CONTENT_TYPE, `GET /metrics: Content-Type ${a.type}`);
    check(invariants(parseExposition(a.body)).length === 0, 'GET /metrics: body parses and keeps the invariants');
    const q = await get(`${base}/metrics?foo=bar`);
    check(q.status === 200, `GET /metrics?query: status ${q.status}`);
    check((await get(`${base}/other`)).status === 404, 'GET /other: 404');
    check((await get(`${base}/`)).status === 404, 'GET /: 404');
    check((await get(`${base}/metrics`, 'POST')).status === 405, 'POST /metrics: 405');
    await new Promise((r) => setTimeout(r, 1100));
    const b = await get(`${base}/metrics`);
    const va = parseExposition(a.body).samples.find((s) => s.name === 'envoy_http_downstream_rq_total' && s.labels.get('envoy_http_conn_manager_prefix') === 'http');
    const vb = parseExposition(b.body).samples.find((s) => s.name === 'envoy_http_downstream_rq_total' && s.labels.get('envoy_http_conn_manager_prefix') === 'http');
    check(va !== undefined && vb !== undefined && vb.value > va.value, `counters grow between scrapes (${va?.value} -> ${vb?.value})`);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

function checkPromtool(): void {
  const promtool = path.join(BIN, 'promtool');
  if (!fs.existsSync(promtool)) {
    process.stdout.write('promtool: not built, skipped\n');
    return;
  }
  const lint = /^(\S+ )?(no help text|counter metrics should have "_total" suffix|non-counter metrics should not have "_total" suffix|metric names should not contain abbreviated units|use base unit "[a-z]+" instead of "[a-z]+"|non-histogram and non-summary metrics should not have "_[a-z]+" suffix)$/;
  for (const file of [PROXY, CONTROLLER]) {
    const text = fs.readFileSync(file, 'utf8');
    for (const [label, input] of [['recorded', text], ['advanced 1 h', advanceExposition(text, 3600)]] as const) {
      const r = spawnSync(promtool, ['check', 'metrics'], { input, encoding: 'utf8' });
      const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
      const nonLint = lines.filter((l) => !lint.test(l));
      const kinds = new Map<string, number>();
      for (const l of lines) {
        const k = l.replace(/^\S+ /, '');
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      process.stdout.write(`promtool check metrics < ${path.basename(file)} (${label}): exit ${r.status}, ${lines.length} findings${[...kinds].map(([k, n]) => `\n  ${n} x ${k}`).join('')}\n`);
      check(r.status === 0 || r.status === 3, `promtool ${path.basename(file)} (${label}): exit ${r.status}`);
      check(nonLint.length === 0, `promtool ${path.basename(file)} (${label}): ${nonLint.slice(0, 5).join('; ')}`);
    }
  }
}

async function main(): Promise<void> {
  checkFixture(PROXY);
  checkFixture(CONTROLLER);
  checkCoverage();
  await checkServer();
  checkPromtool();
  process.stdout.write(`exposition: ${checks} checks, ${failures} failed\n`);
  process.exitCode = failures === 0 ? 0 : 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
