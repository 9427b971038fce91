import { IConstruct } from 'constructs';

/**
 * One validation rule: a field path, a predicate over the value and a sentence
 * saying what is allowed. Components declare their rules as a table and call
 * {@link validate} before they create any object, so bad input fails before
 * anything is synthesized or written.
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
}

/** A single problem found by validation. */
export interface Problem {
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;
}

/**
 * Thrown for invalid input. The message names the construct path (when known),
 * every field, its value and what is allowed.
 */
export class ValidationError extends Error {
  public readonly problems: readonly Problem[];
  public readonly path?: string;

  constructor(problems: readonly Problem[], path?: string) {
    const lines = problems.map((p) => `  - ${p.field}: ${formatValue(p.value)} is invalid; allowed: ${p.allowed}`);
    const where = path ? ` in ${path}` : '';
    super(`Invalid configuration${where}:\n${lines.join('\n')}`);
    this.name = 'ValidationError';
    this.problems = problems;
    this.path = path;
  }
}

/** Renders a value for an error message: strings quoted, objects as JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined (missing)';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Evaluates the rules and returns every problem found (empty when valid). */
export function check(rules: readonly Rule[]): Problem[] {
  const problems: Problem[] = [];
  for (const rule of rules) {
    if (rule.value === undefined) {
      if (rule.required) problems.push({ field: rule.field, value: undefined, allowed: rule.allowed });
      continue;
    }
    let ok = false;
    try {
      ok = rule.ok(rule.value);
    } catch {
      ok = false;
    }
    if (!ok) problems.push({ field: rule.field, value: rule.value, allowed: rule.allowed });
  }
  return problems;
}

/**
 * Validates the rules and throws a {@link ValidationError} carrying the
 * construct path of `scope` when any fails.
 */
export function validate(scope: IConstruct | string | undefined, rules: readonly Rule[]): void {
  const problems = check(rules);
  if (problems.length === 0) return;
  const path = scope === undefined ? undefined : typeof scope === 'string' ? scope : scope.node.path;
  throw new ValidationError(problems, path);
}

// ---------------------------------------------------------------------------
// Reusable predicates. Each has a matching `allowed` description.
// ---------------------------------------------------------------------------

/** Prometheus' model.Duration grammar: units largest to smallest, each at most once. */
const DURATION = /^(?=\d)(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const is = {
  /** A Kubernetes Service / DNS-1035 label name, at most 63 characters. */
  dnsLabel: (v: unknown) => typeof v === 'string' && v.length <= 63 && DNS1035.test(v),
  dnsLabelAllowed: 'a DNS-1035 label: lower-case letters, digits and "-", starting with a letter, ending alphanumeric, at most 63 characters',

  /** A DNS-1123 subdomain (Secret names, hosts), at most 253 characters. */
  dnsSubdomain: (v: unknown) => typeof v === 'string' && v.length <= 253 && DNS1123_SUBDOMAIN.test(v),
  dnsSubdomainAllowed: 'a DNS-1123 subdomain: lower-case alphanumeric segments separated by "." or "-", at most 253 characters',

  /** A positive integer within [min, max]. */
  intBetween: (min: number, max: number) => (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max,

  /** A port number. */
  port: (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535,
  portAllowed: 'an integer port from 1 to 65535',

  /** A Prometheus/Loki/Tempo style duration (e.g. 30s, 15m, 744h, 30d, 1w, 1y, 1h30m). */
  duration: (v: unknown) => typeof v === 'string' && DURATION.test(v) && durationSeconds(v) > 0,
  durationAllowed: 'a positive duration such as "30s", "15m", "24h", "7d", "2w" or "1y" (units ms, s, m, h, d, w, y)',

  /** A Kubernetes resource quantity (e.g. 100m, 0.5, 1, 256Mi, 10Gi). */
  quantity: (v: unknown) => typeof v === 'string' && /^([+]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/.test(v) && /^\d*\.?\d+/.test(v),
  quantityAllowed: 'a Kubernetes quantity such as "100m", "0.5", "256Mi" or "10Gi"',

  /** A Prometheus TSDB size (e.g. 512MB, 10GB, 1TB). */
  byteSize: (v: unknown) => typeof v === 'string' && /^\d+(B|KB|MB|GB|TB|PB|EB)$/.test(v),
  byteSizeAllowed: 'a size with a unit B, KB, MB, GB, TB, PB or EB, such as "512MB" or "10GB"',

  /** A non-empty string. */
  nonEmpty: (v: unknown) => typeof v === 'string' && v.trim().length > 0,

  /** One of the listed values. */
  oneOf: <T>(values: readonly T[]) => (v: unknown) => values.includes(v as T),
  oneOfAllowed: (values: readonly unknown[]) => `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,

  /** An http(s) URL. */
  httpUrl: (v: unknown) => typeof v === 'string' && /^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(v),
  httpUrlAllowed: 'an http:// or https:// URL such as "https://s3.eu-west-1.amazonaws.com"',
};

/** Converts a duration string like `1h30m` or `7d` to seconds. */
export function durationSeconds(d: string): number {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  for (const m of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}
