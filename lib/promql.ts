/**
 * PromQL checks with Prometheus' own grammar (@prometheus-io/lezer-promql, the
 * parser behind the Prometheus UI): syntax errors with their position, range
 * functions given an instant vector, and the metric names an expression
 * selects. Used at runtime by `Prometheus.addRules` and `Grafana.addDashboard`
 * (a rule file Prometheus cannot load would stop it from starting), and by the
 * tests. Parsing is cheap: no compilation, a few microseconds per expression.
 */
import { ValidationError } from './validation';

/** The parts of @lezer/common's tree API used here (declared locally: @lezer/common is only a transitive dependency). */
interface SyntaxNode {
  readonly type: { readonly name: string; readonly isError: boolean };
  readonly from: number;
  readonly to: number;
  readonly firstChild: SyntaxNode | null;
  readonly nextSibling: SyntaxNode | null;
}
interface Tree {
  iterate(spec: { enter(ref: { readonly type: SyntaxNode['type']; readonly from: number; readonly node: SyntaxNode }): false | void }): void;
}

// The package is ESM with a CommonJS build (`exports.require` -> dist/index.cjs);
// `require` keeps this module CommonJS like the rest of the package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require('@prometheus-io/lezer-promql') as { parser: { parse(input: string): Tree } };

/** A syntax error: the offset in the expression and a short excerpt around it. */
export interface PromqlError {
  readonly position: number;
  readonly near: string;
}

/**
 * Functions whose argument at the given index must be a range vector
 * (prometheus v3.16.0 promql/parser/functions.go ArgTypes ValueTypeMatrix).
 * The lezer grammar accepts `rate(up)`; Prometheus rejects it at load time.
 */
const RANGE_ARG: Record<string, number> = {
  rate: 0,
  irate: 0,
  increase: 0,
  delta: 0,
  idelta: 0,
  deriv: 0,
  changes: 0,
  resets: 0,
  avg_over_time: 0,
  min_over_time: 0,
  max_over_time: 0,
  sum_over_time: 0,
  count_over_time: 0,
  last_over_time: 0,
  present_over_time: 0,
  absent_over_time: 0,
  stddev_over_time: 0,
  stdvar_over_time: 0,
  quantile_over_time: 1,
  predict_linear: 0,
};

/** What a parsed expression contains. */
export interface PromqlInfo {
  /** Syntax errors, and range functions given an instant vector. */
  readonly errors: PromqlError[];
  /** Metric names from selectors (`foo{...}`) and from `{__name__="foo"}` matchers, sorted and unique. */
  readonly metricNames: string[];
  /** `__name__` matchers with a regex or negative operator (their names cannot be checked). */
  readonly nameMatchers: string[];
  /** The text of every vector selector (`foo{a="b"}`), in order (e.g. to ask a Prometheus which of them has data). */
  readonly vectorSelectors: string[];
}

/**
 * Grafana's built-in interval variables, replaced by a duration so the
 * expression is plain PromQL (Grafana does the same before sending it).
 */
const GRAFANA_DURATION_VARIABLES: Record<string, string> = {
  $__rate_interval: '1m',
  $__interval: '30s',
  $__range: '1h',
};

/** Replaces Grafana interval variables (`$__rate_interval`, ...) with durations. */
export function expandGrafanaIntervals(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, (v) => GRAFANA_DURATION_VARIABLES[v]);
}

function unquote(literal: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  if (literal.startsWith("'")) return JSON.parse(`"${literal.slice(1, -1).replace(/"/g, '\\"').replace(/\\'/g, "'")}"`);
  return JSON.parse(literal);
}

function child(node: SyntaxNode, name: string): SyntaxNode | null {
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.type.name === name) return c;
  return null;
}

/** Parses `expr` and reports syntax errors and the metric names it selects. */
export function parsePromql(expr: string): PromqlInfo {
  const tree = parser.parse(expr);
  const errors: PromqlError[] = [];
  const names = new Set<string>();
  const nameMatchers: string[] = [];
  const vectorSelectors: string[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) {
        errors.push({ position: ref.from, near: expr.slice(Math.max(0, ref.from - 20), ref.from + 20) });
        return;
      }
      const node = ref.node;
      if (ref.type.name === 'FunctionCall') {
        const id = child(node, 'FunctionIdentifier');
        const fn = id ? expr.slice(id.from, id.to) : '';
        const body = child(node, 'FunctionCallBody');
        if (fn in RANGE_ARG && body) {
          const args: SyntaxNode[] = [];
          for (let c = body.firstChild; c; c = c.nextSibling) args.push(c);
          const arg = args[RANGE_ARG[fn]];
          if (!arg || (arg.type.name !== 'MatrixSelector' && arg.type.name !== 'SubqueryExpr')) {
            errors.push({ position: ref.from, near: `${fn}() needs a range vector: ${expr.slice(ref.from, Math.min(expr.length, ref.from + 60))}` });
          }
        }
      }
      if (ref.type.name === 'VectorSelector') {
        vectorSelectors.push(expr.slice(node.from, node.to));
        // foo{...}: the metric name is the selector's Identifier child.
        const id = child(node, 'Identifier');
        if (id) names.add(expr.slice(id.from, id.to));
        // {"foo", ...} (UTF-8 syntax): a quoted name standing alone in the matchers.
        const ms = child(node, 'LabelMatchers');
        for (let c = ms?.firstChild ?? null; c; c = c.nextSibling) {
          if (c.type.name === 'QuotedLabelName') names.add(unquote(expr.slice(c.from, c.to)));
        }
      }
      if (ref.type.name === 'UnquotedLabelMatcher' || ref.type.name === 'QuotedLabelMatcher') {
        const label = child(node, 'LabelName') ?? child(node, 'QuotedLabelName');
        const op = child(node, 'MatchOp');
        const value = child(node, 'StringLiteral');
        if (!label || !op || !value) return;
        const labelText = expr.slice(label.from, label.to);
        if (labelText !== '__name__' && labelText !== '"__name__"') return;
        const opText = expr.slice(op.from, op.to);
        const v = unquote(expr.slice(value.from, value.to));
        if (opText === '=') names.add(v);
        else nameMatchers.push(`__name__${opText}${JSON.stringify(v)}`);
      }
    },
  });
  return { errors, metricNames: [...names].sort(), nameMatchers, vectorSelectors };
}

/** Throws with the position of the first syntax error, else returns the metric names. */
export function metricNamesOf(expr: string): string[] {
  const info = parsePromql(expr);
  if (info.errors.length > 0) {
    const e = info.errors[0];
    throw new ValidationError([{ field: 'expr', value: expr, allowed: `PromQL that parses (syntax error at ${e.position} near ${JSON.stringify(e.near)})` }], 'PromQL');
  }
  return info.metricNames;
}

/**
 * The first error of a PromQL expression (Grafana's interval variables
 * replaced by durations), or null when it parses; remembered per expression.
 * The same expressions come back many times in a synth (each rule and panel
 * is checked for its result and again for its message) and in a fleet (every
 * cluster ships the same rules), and parsing them is most of what checking
 * them costs. Bounded, so a long-running process checking ever new
 * expressions does not keep them all.
 */
function firstError(expr: string): PromqlError | null {
  let e = checked.get(expr);
  if (e === undefined) {
    e = parsePromql(expandGrafanaIntervals(expr)).errors[0] ?? null;
    if (checked.size >= MAX_CHECKED) checked.clear();
    checked.set(expr, e);
  }
  return e;
}
const checked = new Map<string, PromqlError | null>();
const MAX_CHECKED = 10_000;

/**
 * Records expressions as parsing without parsing them again: only for
 * expressions verified when the package was built — the prebuilt default
 * dashboards' queries, which scripts/prebuild-dashboards.js checks with
 * {@link isValidPromql} (the build fails on one that does not parse).
 */
export function rememberVerifiedPromql(exprs: Iterable<string>): void {
  for (const expr of exprs) if (!checked.has(expr) && checked.size < MAX_CHECKED) checked.set(expr, null);
}

/** The Prometheus queries of a Grafana dashboard model (panels, rows' panels), with their JSON path and their panel's title. */
export function promqlTargets(model: Record<string, unknown>): { at: string; expr: unknown; panelTitle: unknown }[] {
  const out: { at: string; expr: unknown; panelTitle: unknown }[] = [];
  const isProm = (ds: unknown) => typeof ds === 'object' && ds !== null && (ds as { type?: string }).type === 'prometheus';
  const walk = (panels: unknown, at: string) => {
    if (!Array.isArray(panels)) return;
    panels.forEach((p, i) => {
      if (typeof p !== 'object' || p === null) return;
      const panel = p as { title?: unknown; datasource?: unknown; targets?: unknown; panels?: unknown };
      (Array.isArray(panel.targets) ? panel.targets : []).forEach((t: any, j: number) => {
        if (t && typeof t === 'object' && 'expr' in t && (isProm(t.datasource) || (t.datasource === undefined && isProm(panel.datasource)))) out.push({ at: `${at}[${i}].targets[${j}]`, expr: t.expr, panelTitle: panel.title });
      });
      walk(panel.panels, `${at}[${i}].panels`);
    });
  };
  walk(model.panels, 'panels');
  return out;
}

/** Whether `expr` parses as PromQL (with Grafana's interval variables replaced by durations). */
export function isValidPromql(expr: unknown): boolean {
  return typeof expr === 'string' && expr.trim() !== '' && firstError(expr) === null;
}

/** The "allowed" of a PromQL expression, naming the first syntax error. */
export function promqlAllowed(expr: unknown): string {
  if (typeof expr !== 'string') return 'a PromQL expression';
  const e = firstError(expr);
  return e ? `a PromQL expression that parses (syntax error at offset ${e.position} near ${JSON.stringify(e.near)})` : 'a PromQL expression';
}
