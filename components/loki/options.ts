import { componentPropsSchema } from '../../lib/component';
import { resolveResources, resourceRules, Resources, ResourcesSchema } from '../../lib/resources';
import { List, Obj, Opt, Static, Str } from '../../lib/schema';
import { StorageSchema } from '../../lib/storage';
import { Rule } from '../../lib/validation';
import { Duration, DURATION_PATTERN, durationRangeAllowed, OTEL_ATTRIBUTE_ALLOWED, OTEL_ATTRIBUTE_PATTERN } from '../../lib/values';

/** Default compute resources of the Loki single binary (small clusters). */
export const LOKI_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};

/** The explicit `retention` value that disables deletion (logs are kept forever). */
export const LOKI_RETENTION_FOREVER = 'forever';
/** Loki's documented minimum retention period (docs/sources/operations/storage/retention.md): 24h, its index period. */
export const LOKI_MIN_RETENTION = Duration.parse('24h')!;
/** Default retention: 31 days, so deletion is on unless explicitly disabled. */
export const LOKI_DEFAULT_RETENTION = '744h';
/**
 * Default start date of the (only) schema period. Fixed, never "today": a
 * schema `from` date must not move once data is written, and Loki cannot
 * store logs older than the first period.
 */
export const LOKI_DEFAULT_SCHEMA_FROM = '2024-04-01';

const RETENTION_ALLOWED = `${durationRangeAllowed(LOKI_MIN_RETENTION, "Loki's minimum retention period and its index period")}, or "${LOKI_RETENTION_FOREVER}" to disable deletion`;

/**
 * The options of {@link Loki}, defined once: the `loki` section of the config
 * file is exactly these (plus `enabled`), the construct's props are these plus
 * name and namespace, and the JSON Schema and checks come from here.
 */
export const LOKI_OPTIONS = Obj(
  {
    resources: Opt(ResourcesSchema),
    storage: Opt(StorageSchema),
    retention: Opt(
      Str(`^(?:${LOKI_RETENTION_FOREVER}|${DURATION_PATTERN.slice(1, -1)})$`, RETENTION_ALLOWED, {
        doc: 'How long logs are kept before the compactor deletes them; "forever" disables deletion.',
        default: LOKI_DEFAULT_RETENTION,
      }),
    ),
    tenant: Opt(
      Str("^(?!\\.{1,2}$)[A-Za-z0-9!._*'()-]{1,150}$", 'a Loki tenant ID: 1-150 characters from A-Z a-z 0-9 ! - _ . * \' ( ), not "." or ".."', {
        doc: 'Run Loki multi-tenant with this tenant ID (X-Scope-OrgID); single tenant when unset.',
      }),
    ),
    schemaFrom: Opt(
      Str('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', 'a date "YYYY-MM-DD" no later than today (UTC); Loki cannot store logs before the first schema period', {
        doc: 'Start date of the tsdb/v13 schema period; must never change once data is written.',
        default: LOKI_DEFAULT_SCHEMA_FROM,
      }),
    ),
    otlpIndexLabels: Opt(
      List(Str(OTEL_ATTRIBUTE_PATTERN, OTEL_ATTRIBUTE_ALLOWED), `a list of distinct OTLP resource attribute names (${OTEL_ATTRIBUTE_ALLOWED})`, {
        unique: true,
        maxItems: 15,
        doc: "Extra OTLP resource attributes promoted to index labels, on top of Loki's defaults (Loki refuses streams with more than 15 labels).",
        default: '[]',
      }),
    ),
  },
  { doc: 'Loki, the logs backend.' },
);
export type LokiOptions = Static<typeof LOKI_OPTIONS>;

/** The props schema of {@link Loki}: its options, name and namespace (a StatefulSet: names up to 52 characters). */
export const LOKI_PROPS = Obj({ ...componentPropsSchema(52), ...LOKI_OPTIONS.properties });

/** Whether `v` is a real calendar date `YYYY-MM-DD` no later than `today` (UTC). */
export function isPastOrTodayDate(v: string, today: Date = new Date()): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(t);
  if (d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return false;
  return t <= Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
}

/** The rules of {@link LokiOptions} the schema cannot express, under `path` (`loki` for the config file and the construct). */
export function lokiRules(o: LokiOptions, path: string, resources: Resources = resolveResources(LOKI_DEFAULT_RESOURCES, o.resources)): Rule[] {
  return [
    {
      field: `${path}.retention`,
      value: o.retention,
      ok: (v: string) => v === LOKI_RETENTION_FOREVER || (Duration.parse(v)?.ms ?? 0) >= LOKI_MIN_RETENTION.ms,
      allowed: RETENTION_ALLOWED,
    },
    { field: `${path}.schemaFrom`, value: o.schemaFrom, ok: (v: string) => isPastOrTodayDate(v), allowed: 'a real date "YYYY-MM-DD" no later than today (UTC); Loki cannot store logs before the first schema period' },
    ...resourceRules(`${path}.resources`, o.resources, resources),
  ];
}
