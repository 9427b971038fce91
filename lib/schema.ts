// TypeBox's declarations (part of this package's public types: the option
// schemas) name AsyncIterableIterator; a project whose `lib` predates ES2018
// (cdk8s init's template has es2016) and that no longer gets it through
// @types/node (TypeScript 6 and newer include no @types by default) must still
// compile them. `preserve` keeps the directive in the emitted declarations.
/// <reference lib="es2018.asynciterable" preserve="true" />
/**
 * Option schemas: each component defines its options once, with TypeBox,
 * which yields the static TypeScript type (`Static<typeof S>`), the JSON
 * Schema (the schema object itself; the config file's schema is composed
 * from them) and, through {@link schemaProblems}, the construct-time check.
 *
 * Every schema node carries the sentence that says what is allowed (kept
 * under a symbol key, so it stays out of the published JSON) and a
 * description (in the JSON, for editors and the README reference).
 * Credential-like subtrees are `writeOnly`: their values are never echoed.
 */
import { Static, TSchema, Type } from '@sinclair/typebox';
import { check, mergeProblems, Problem, Rule, ValidationError } from './validation';
import { matches } from './values';

export type { Static, TSchema };

/** Symbol key of the "allowed" sentence of a schema node. */
const ALLOWED = Symbol.for('otel-lgtm-k8s.allowed');
/** Symbol key of a schema node's default, as documented (the README reference shows it). */
const DEFAULT = Symbol.for('otel-lgtm-k8s.default');
/** Symbol key of what the keys of a map may be. */
const KEY_ALLOWED = Symbol.for('otel-lgtm-k8s.key-allowed');

interface Doc {
  /** What the field means (the JSON Schema description, with the allowed sentence appended). */
  readonly doc?: string;
  /** The default, as documented. */
  readonly default?: string;
}

function annotate<T extends TSchema>(s: T, allowed: string, d: Doc = {}): T {
  const node = s as any;
  node[ALLOWED] = allowed;
  if (d.default !== undefined) node[DEFAULT] = d.default;
  node.description = d.doc ? `${d.doc} Allowed: ${allowed}.` : `Allowed: ${allowed}.`;
  return s;
}

/** What a schema node allows, phrased to complete "allowed: ...". */
export function allowedOf(s: TSchema | undefined): string {
  if (!s) return 'nothing here';
  const a = (s as any)[ALLOWED];
  if (typeof a === 'string') return a;
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
  switch (s.type) {
    case 'boolean':
      return 'true or false';
    case 'object':
      return `an object with the fields ${Object.keys(s.properties ?? {}).join(', ')}`;
    case 'array':
      return 'a list';
    case 'integer':
      return 'an integer';
    default:
      return `a ${s.type ?? 'value'}`;
  }
}

/** The documented default of a schema node, if any. */
export function defaultOf(s: TSchema): string | undefined {
  return (s as any)[DEFAULT];
}

// ---------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------

/** A string matching `pattern` (a pattern of `lib/values`). */
export function Str(pattern: string, allowed: string, d: Doc & { maxLength?: number; minLength?: number } = {}) {
  const { maxLength, minLength } = d;
  return annotate(Type.String({ pattern, ...(maxLength !== undefined ? { maxLength } : {}), ...(minLength !== undefined ? { minLength } : {}) }), allowed, d);
}

/** One of a fixed set of strings. */
export function Enum<T extends string>(values: readonly T[], d: Doc = {}) {
  return annotate(Type.Unsafe<T>({ type: 'string', enum: [...values] }), `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, d);
}

/** An integer within [min, max]. */
export function Int(min: number, max: number, d: Doc & { allowed?: string } = {}) {
  return annotate(Type.Integer({ minimum: min, maximum: max }), d.allowed ?? `an integer from ${min} to ${max}`, d);
}

/** true or false. */
export function Bool(d: Doc = {}) {
  return annotate(Type.Boolean(), 'true or false', d);
}

/** A list. */
export function List<T extends TSchema>(items: T, allowed: string, d: Doc & { minItems?: number; maxItems?: number; unique?: boolean } = {}) {
  return annotate(
    Type.Array(items, {
      ...(d.minItems !== undefined ? { minItems: d.minItems } : {}),
      ...(d.maxItems !== undefined ? { maxItems: d.maxItems } : {}),
      ...(d.unique ? { uniqueItems: true } : {}),
    }),
    allowed,
    d,
  );
}

/** A map from keys matching `keyPattern` to strings. */
export function StringMap(keyPattern: string, allowed: string, d: Doc & { maxProperties?: number; keyAllowed?: string } = {}) {
  const s = Type.Unsafe<Record<string, string>>({
    type: 'object',
    patternProperties: { [keyPattern]: { type: 'string', maxLength: 1024 } },
    additionalProperties: false,
    ...(d.maxProperties !== undefined ? { maxProperties: d.maxProperties } : {}),
  });
  (s as any)[KEY_ALLOWED] = d.keyAllowed;
  return annotate(s, allowed, d);
}

/** An object with exactly these fields (unknown fields are errors). */
export function Obj<P extends Record<string, TSchema>>(properties: P, d: Doc & { allowed?: string; sensitive?: boolean } = {}) {
  const s = Type.Object(properties, { additionalProperties: false, ...(d.sensitive ? { writeOnly: true } : {}) });
  return annotate(s, d.allowed ?? `an object with the fields ${Object.keys(properties).join(', ')}`, d);
}

/** The same schema with another description (and documented default), e.g. where a shared type is used. */
export function Documented<T extends TSchema>(s: T, doc: string, dflt?: string): T {
  const copy = { ...s } as T;
  return annotate(copy, allowedOf(s), { doc, ...(dflt !== undefined ? { default: dflt } : {}) });
}

/** Optional field. */
export const Opt = Type.Optional;

// ---------------------------------------------------------------------------
// The construct-time check: a walk of the schema over a value
// ---------------------------------------------------------------------------

/** `a.b`, `a[0]`, `a["odd key"]`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  const k = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  return base === '' ? k : k.startsWith('[') ? `${base}${k}` : `${base}.${k}`;
}

/** The known key closest to `key` (edit distance at most 2, or a third of its length), for "did you mean". */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3 || a.length > 64 || b.length > 64) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The "allowed" of an unknown field: the closest known one, then all of them. */
export function unknownFieldAllowed(key: string, known: readonly string[]): string {
  const near = closest(key, known);
  const list = known.length > 0 ? `known fields here: ${known.join(', ')}` : 'no fields here';
  return near ? `did you mean "${near}"? ${list}` : list;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Every problem of `value` against `schema` (the subset of JSON Schema the
 * option schemas use), each at its path under `path`. The config validator
 * uses this to explain what the compiled JSON Schema validator refused; the
 * constructs use it to check their props. Walks the schema, so its depth
 * bounds the work whatever the value.
 */
export function schemaProblems(schema: TSchema, value: unknown, path: string): Problem[] {
  const out: Problem[] = [];
  walk(schema, value, path, false, out);
  return out;
}

function walk(s: TSchema, v: unknown, path: string, sensitive: boolean, out: Problem[]): void {
  const secret = sensitive || s.writeOnly === true;
  const bad = (allowed = allowedOf(s), at = path, value: unknown = v) => {
    out.push({ field: at === '' ? '(root)' : at, value, allowed, ...(secret ? { conceal: 'sensitive' as const } : {}) });
  };
  if (v === undefined) return;
  if (Array.isArray(s.enum)) {
    if (!s.enum.some((e: unknown) => sameJson(e, v))) bad();
    return;
  }
  switch (s.type) {
    case 'object': {
      if (!isPlainObject(v)) return bad();
      const props: Record<string, TSchema> = s.properties ?? {};
      const patterns = Object.entries<TSchema>(s.patternProperties ?? {});
      for (const k of (s.required ?? []) as string[]) {
        if (!Object.hasOwn(v, k) || v[k] === undefined) out.push({ field: joinPath(path, k), value: undefined, allowed: `a required field: ${allowedOf(props[k])}` });
      }
      if (s.maxProperties !== undefined && Object.keys(v).length > s.maxProperties) bad(`${allowedOf(s)}, at most ${s.maxProperties} entries`);
      for (const [k, x] of Object.entries(v)) {
        const at = joinPath(path, k);
        // Own properties only: `constructor` or `__proto__` in a file are unknown fields, not Object's.
        if (Object.hasOwn(props, k)) {
          walk(props[k], x, at, secret, out);
          continue;
        }
        const p = patterns.find(([re]) => matches(re, k));
        if (p) {
          walk(p[1], x, at, secret, out);
          continue;
        }
        if (s.additionalProperties === false) {
          const allowed = patterns.length > 0 ? `a key that is ${(s as any)[KEY_ALLOWED] ?? allowedOf(s)}` : unknownFieldAllowed(k, Object.keys(props));
          out.push({ field: at, value: undefined, allowed, conceal: 'unknown-field' });
        }
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(v)) return bad();
      if (s.minItems !== undefined && v.length < s.minItems) return bad(`${allowedOf(s)}, at least ${s.minItems} entr${s.minItems === 1 ? 'y' : 'ies'}`, path, `${v.length} entries`);
      if (s.maxItems !== undefined && v.length > s.maxItems) return bad(`${allowedOf(s)}, at most ${s.maxItems} entries`, path, `${v.length} entries`);
      if (s.uniqueItems) {
        const seen = new Set<string>();
        v.forEach((x, i) => {
          const k = JSON.stringify(x);
          if (seen.has(k)) bad(`${allowedOf(s)}, each entry at most once`, joinPath(path, i), x);
          seen.add(k);
        });
      }
      v.forEach((x, i) => walk(s.items as TSchema, x, joinPath(path, i), secret, out));
      return;
    }
    case 'string':
      if (typeof v !== 'string') return bad();
      if (s.minLength !== undefined && [...v].length < s.minLength) return bad();
      if (s.maxLength !== undefined && [...v].length > s.maxLength) return bad(`${allowedOf(s)}, at most ${s.maxLength} characters`);
      if (s.pattern !== undefined && !matches(s.pattern, v)) return bad();
      return;
    case 'integer':
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || (s.type === 'integer' && !Number.isInteger(v))) return bad();
      if ((s.minimum !== undefined && v < s.minimum) || (s.maximum !== undefined && v > s.maximum)) return bad();
      return;
    case 'boolean':
      if (typeof v !== 'boolean') bad();
      return;
    default:
      throw new Error(`schemaProblems: unsupported schema at ${path}: ${JSON.stringify(s)}`);
  }
}

/** One schema check of a construct's props: the schema, the value and the prop path it is at. */
export type SchemaCheck = readonly [schema: TSchema, value: unknown, path: string];

/**
 * The one way constructs validate, in their constructor before anything joins
 * the construct tree: the schema checks, then the rule table (a rule whose
 * field, or a parent of it, already has a problem is not reported twice).
 * Throws a {@link ValidationError} naming `source` (e.g. `Loki props`).
 */
export function validateProps(source: string, checks: readonly SchemaCheck[], rules: readonly Rule[] = []): void {
  const problems = mergeProblems(...checks.map(([s, v, p]) => schemaProblems(s, v, p)), check(rules));
  if (problems.length > 0) throw new ValidationError(problems, source);
}

/** The value without the given keys (construct wiring such as other components), for a schema check of the data props. */
export function omit(value: unknown, keys: readonly string[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const k of keys) delete out[k];
  return out;
}
