import {
  DNS1035_LABEL_ALLOWED,
  DNS1035_LABEL_PATTERN,
  DNS1123_SUBDOMAIN_ALLOWED,
  DNS1123_SUBDOMAIN_PATTERN,
  Duration,
  DURATION_ALLOWED,
  matches,
  PROMETHEUS_SIZE_ALLOWED,
  prometheusSizeBytes,
  QUANTITY_ALLOWED,
  quantityValue,
} from './values';

/**
 * One validation rule: a field path, a predicate over the value and a sentence
 * saying what is allowed. Components declare their rules as a table and
 * validate them in their constructor, before they add anything to the
 * construct tree (the one rule for when constructs validate); the config
 * validator runs the same tables under the config paths.
 */
export interface Rule {
  /** Dotted path of the field, as the user wrote it (e.g. `loki.retention`). */
  readonly field: string;
  /** The value under test; `undefined` rules are skipped unless `required`. */
  readonly value: unknown;
  /** Returns true when the value is acceptable. */
  readonly ok: (value: any) => boolean;
  /** What is allowed, phrased to complete "allowed: ...". */
  readonly allowed: string;
  /** When true an `undefined` value is an error, otherwise it is skipped. */
  readonly required?: boolean;
  /** The value may be a credential: never echo it. */
  readonly sensitive?: boolean;
}

/** A single problem found by validation. */
export interface Problem {
  /** The path the user wrote (config path, or prop path for the library API). */
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;
  /**
   * Why the value is not echoed: the field is unknown (its value is
   * irrelevant and may be anything) or may hold a credential.
   */
  readonly conceal?: 'unknown-field' | 'sensitive';
  /** A whole sentence that replaces "value is invalid; allowed: …" (for problems between several fields). */
  readonly detail?: string;
}

/** Longest excerpt of a value an error message echoes. */
export const MAX_ECHO = 60;

/**
 * Thrown for invalid input, by the config validator and by every construct.
 * The message names the source (a config file, or the construct class whose
 * props are wrong), every field, its value and what is allowed.
 */
export class ValidationError extends Error {
  public readonly problems: readonly Problem[];
  /** The file (or `<Class> props`) the problems were found in. */
  public readonly source?: string;

  constructor(problems: readonly Problem[], source?: string) {
    const where = source ? ` in ${source}` : '';
    super(`Invalid configuration${where}:\n${problems.map(problemLine).join('\n')}`);
    this.name = new.target.name;
    this.problems = problems;
    this.source = source;
  }

  /** The same problems, attributed to another source (e.g. the config file that produced the props). */
  public withSource(source: string): ValidationError {
    return new ValidationError(this.problems, source);
  }
}

/** A config file that cannot be read as a configuration (missing, too large, not UTF-8, not YAML, not a mapping). */
export class ConfigFileError extends ValidationError {}

/** One line of a {@link ValidationError} message. */
export function problemLine(p: Problem): string {
  if (p.detail !== undefined) return `  - ${p.field}: ${p.detail}`;
  if (p.conceal === 'unknown-field') return `  - ${p.field}: unknown field; allowed: ${p.allowed}`;
  if (p.conceal === 'sensitive') return `  - ${p.field}: the value (not shown: it may be a credential) is invalid; allowed: ${p.allowed}`;
  return `  - ${p.field}: ${formatValue(p.value)} is invalid; allowed: ${p.allowed}`;
}

/** Renders a value for an error message: strings quoted, objects as JSON, long values cut. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined (missing)';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  if (text.length <= MAX_ECHO + 2) return text;
  return `${text.slice(0, MAX_ECHO)}… (${text.length} characters)`;
}

/** Evaluates the rules and returns every problem found (empty when valid), one per field. */
export function check(rules: readonly Rule[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.field)) continue;
    let bad: boolean;
    if (rule.value === undefined) {
      bad = rule.required === true;
    } else {
      try {
        bad = !rule.ok(rule.value);
      } catch {
        bad = true;
      }
    }
    if (!bad) continue;
    seen.add(rule.field);
    problems.push({ field: rule.field, value: rule.value, allowed: rule.allowed, ...(rule.sensitive ? { conceal: 'sensitive' as const } : {}) });
  }
  return problems;
}

/** Merges problem lists keeping the first problem of each field (schema problems first, then rules). */
export function mergeProblems(...lists: readonly (readonly Problem[])[]): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    for (const p of list) {
      if (seen.has(p.field) || [...seen].some((f) => p.field.startsWith(`${f}.`) || p.field.startsWith(`${f}[`))) continue;
      seen.add(p.field);
      out.push(p);
    }
  }
  return out;
}

/**
 * Validates the rules and throws a {@link ValidationError} naming `source`
 * (e.g. `Loki props`) when any fails.
 */
export function validate(source: string, rules: readonly Rule[]): void {
  const problems = check(rules);
  if (problems.length > 0) throw new ValidationError(problems, source);
}

// ---------------------------------------------------------------------------
// Reusable predicates, from the grammar module. Each has a matching `allowed`.
// ---------------------------------------------------------------------------

export const is = {
  /** A Kubernetes Service / DNS-1035 label name, at most 63 characters. */
  dnsLabel: (v: unknown) => matches(DNS1035_LABEL_PATTERN, v) && v.length <= 63,
  dnsLabelAllowed: DNS1035_LABEL_ALLOWED,

  /** A DNS-1123 subdomain (Secret names, hosts), at most 253 characters. */
  dnsSubdomain: (v: unknown) => matches(DNS1123_SUBDOMAIN_PATTERN, v) && v.length <= 253,
  dnsSubdomainAllowed: DNS1123_SUBDOMAIN_ALLOWED,

  /** An integer within [min, max]. */
  intBetween: (min: number, max: number) => (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max,

  /** A port number. */
  port: (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535,
  portAllowed: 'an integer port from 1 to 65535',

  /** A positive duration in the one duration grammar (see `lib/values`). */
  duration: (v: unknown) => (Duration.parse(v)?.ms ?? 0) > 0,
  durationAllowed: `${DURATION_ALLOWED}, greater than zero`,

  /** A Kubernetes resource quantity greater than zero. */
  quantity: (v: unknown) => quantityValue(v) > 0,
  quantityAllowed: QUANTITY_ALLOWED,

  /** A Prometheus size (e.g. 512MB, 10GB, 1TB) greater than zero. */
  byteSize: (v: unknown) => prometheusSizeBytes(v) > 0,
  byteSizeAllowed: PROMETHEUS_SIZE_ALLOWED,

  /** A non-empty string. */
  nonEmpty: (v: unknown) => typeof v === 'string' && v.trim().length > 0,

  /** One of the listed values. */
  oneOf: <T>(values: readonly T[]) => (v: unknown) => values.includes(v as T),
  oneOfAllowed: (values: readonly unknown[]) => `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
};
