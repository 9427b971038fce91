/**
 * Tiny PromQL builders shared by the dashboards and the alert rules. They only
 * assemble strings; every metric name goes through {@link metric} (the
 * allowlist in ./metrics.ts) and every label value is escaped, so a job name
 * with a quote cannot break an expression.
 */
import { ValidationError } from '../lib/validation';
import { metric } from './metrics';

function badLabel(label: string): ValidationError {
  return new ValidationError([{ field: 'label', value: label, allowed: 'a label name matching [a-zA-Z_][a-zA-Z0-9_]*' }], 'PromQL builder');
}

/** Label match operators. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One label matcher: `[label, op, value]`. */
export type Matcher = readonly [label: string, op: MatchOp, value: string];

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A PromQL double-quoted string literal (JSON escaping is a subset of PromQL's Go-style escapes). */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** `name="value"` matchers for exact label values. */
export function eq(labels: Readonly<Record<string, string>>): Matcher[] {
  return Object.entries(labels).map(([k, v]) => [k, '=', v] as const);
}

/** The matcher list `{a="b", c=~"d"}` (empty string when there are none). */
export function matchers(ms: readonly Matcher[]): string {
  if (ms.length === 0) return '';
  for (const [label] of ms) {
    if (!LABEL_NAME.test(label)) throw badLabel(label);
  }
  return `{${ms.map(([l, op, v]) => `${l}${op}${quote(v)}`).join(', ')}}`;
}

/** An instant vector selector of an allowlisted metric. */
export function sel(name: string, ms: readonly Matcher[] = []): string {
  return `${metric(name)}${matchers(ms)}`;
}

/** `by (a, b)` (empty string for no labels). */
export function by(labels: readonly string[]): string {
  for (const l of labels) if (!LABEL_NAME.test(l)) throw badLabel(l);
  return labels.length === 0 ? '' : ` by (${labels.join(', ')})`;
}

/** `sum by (...) (rate(metric{...}[window]))`. */
export function sumRate(name: string, ms: readonly Matcher[], window: string, groupBy: readonly string[] = []): string {
  return `sum${by(groupBy)} (rate(${sel(name, ms)}[${window}]))`;
}

/**
 * A quantile of a histogram, native form first, classic `_bucket` form as the
 * fallback: `histogram_quantile(q, sum by (g) (rate(m[w]))) or
 * histogram_quantile(q, sum by (g, le) (rate(m_bucket[w])))`. On a native
 * histogram the first operand answers; with classic buckets only the first is
 * empty and `or` takes the second.
 */
export function histogramQuantile(q: number, base: string, ms: readonly Matcher[], window: string, groupBy: readonly string[] = []): string {
  const native = `histogram_quantile(${q}, sum${by(groupBy)} (rate(${sel(base, ms)}[${window}])))`;
  const classic = `histogram_quantile(${q}, sum${by([...groupBy, 'le'])} (rate(${sel(`${base}_bucket`, ms)}[${window}])))`;
  return `${native} or ${classic}`;
}

/**
 * The per-second rate of observations of a histogram in either form:
 * `sum by (g) (histogram_count(rate(m[w]))) or sum by (g) (rate(m_count[w]))`.
 * Parenthesised so it can be an operand.
 */
export function histogramCountRate(base: string, ms: readonly Matcher[], window: string, groupBy: readonly string[] = []): string {
  return `(sum${by(groupBy)} (histogram_count(rate(${sel(base, ms)}[${window}]))) or sum${by(groupBy)} (rate(${sel(`${base}_count`, ms)}[${window}])))`;
}

/** `label_replace(expr, "label", "value", "", "")`: adds a constant label to every series of `expr`. */
export function withLabel(expr: string, label: string, value: string): string {
  if (!LABEL_NAME.test(label)) throw badLabel(label);
  return `label_replace(${expr}, ${quote(label)}, ${quote(value)}, "", "")`;
}

/** Joins alternatives with `or`, each parenthesised. */
export function orAll(exprs: readonly string[]): string {
  return exprs.map((e) => `(${e})`).join(' or ');
}

/** An RE2 alternation matching exactly the given literal values (metacharacters escaped). */
export function alternation(values: readonly string[]): string {
  if (values.length === 0) throw new ValidationError([{ field: 'values', value: [], allowed: 'at least one value' }], 'alternation');
  return values.map((v) => v.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')).join('|');
}
