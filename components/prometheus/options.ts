import { componentPropsSchema } from '../../lib/component';
import { quantityBytes, resolveResources, resourceRules, Resources, ResourcesSchema } from '../../lib/resources';
import { Bool, Enum, Int, List, Obj, Opt, Static, Str } from '../../lib/schema';
import { labelsSchema } from '../../lib/scrape-config';
import { VolumeSchema } from '../../lib/storage';
import { Rule } from '../../lib/validation';
import {
  Duration,
  DURATION_PATTERN,
  durationRangeAllowed,
  OTEL_ATTRIBUTE_ALLOWED,
  OTEL_ATTRIBUTE_PATTERN,
  PROMETHEUS_SIZE_ALLOWED,
  PROMETHEUS_SIZE_PATTERN,
  prometheusSizeBytes,
  prometheusSizeFloor,
} from '../../lib/values';
import { OTLP_TRANSLATION_STRATEGIES } from './config';

/** Default TSDB volume size. */
export const PROMETHEUS_DEFAULT_VOLUME_SIZE = '20Gi';
/** Default time retention. */
export const PROMETHEUS_DEFAULT_RETENTION_TIME = '15d';
/** Share of the volume the default size retention may use (the rest is WAL/compaction headroom). */
export const PROMETHEUS_DEFAULT_RETENTION_SIZE_RATIO = 0.8;
/** `--log.level` values. */
export const PROMETHEUS_LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Default compute resources of Prometheus. */
export const PROMETHEUS_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '250m', memory: '1Gi' },
  limits: { cpu: '1', memory: '2Gi' },
};

const POSITIVE_DURATION_ALLOWED = durationRangeAllowed(undefined);
const duration = (doc: string, dflt: string) => Opt(Str(DURATION_PATTERN, POSITIVE_DURATION_ALLOWED, { doc, default: dflt }));

/**
 * The options of {@link Prometheus}, defined once: the `prometheus` section of
 * the config file is exactly these (plus `enabled`); the construct adds name,
 * namespace and scrape configs.
 */
export const PROMETHEUS_OPTIONS = Obj(
  {
    retention: Opt(
      Obj(
        {
          time: duration('Time retention (storage.tsdb.retention.time).', PROMETHEUS_DEFAULT_RETENTION_TIME),
          size: Opt(
            Str(PROMETHEUS_SIZE_PATTERN, PROMETHEUS_SIZE_ALLOWED, {
              doc: 'Size retention (storage.tsdb.retention.size); must be smaller than the volume.',
              default: '80% of the volume',
            }),
          ),
        },
        { doc: 'TSDB retention, written to storage.tsdb.retention in prometheus.yml.' },
      ),
    ),
    storage: Opt(Obj({ volume: Opt(VolumeSchema) }, { doc: 'The TSDB volume.', default: `{ volume: { size: ${PROMETHEUS_DEFAULT_VOLUME_SIZE} } }` })),
    scrapeInterval: duration('global.scrape_interval.', '30s'),
    evaluationInterval: duration('global.evaluation_interval.', 'the scrape interval'),
    externalLabels: Opt(labelsSchema('global.external_labels: labels added to every series and alert.')),
    outOfOrderTimeWindow: duration('storage.tsdb.out_of_order_time_window, for pushed (OTLP, remote-write) samples.', '30m'),
    maxExemplars: Opt(Int(0, 100_000_000, { doc: 'storage.exemplars.max_exemplars (0 disables exemplar storage).', default: '100000' })),
    otlp: Opt(
      Obj(
        {
          promoteResourceAttributes: Opt(
            List(Str(OTEL_ATTRIBUTE_PATTERN, OTEL_ATTRIBUTE_ALLOWED), `a list of distinct resource attribute names (${OTEL_ATTRIBUTE_ALLOWED})`, {
              unique: true,
              doc: 'Resource attributes promoted to labels.',
              default: "upstream's recommended list (includes k8s.cluster.name)",
            }),
          ),
          translationStrategy: Opt(Enum(OTLP_TRANSLATION_STRATEGIES, { doc: 'otlp.translation_strategy.', default: 'UnderscoreEscapingWithSuffixes' })),
          keepIdentifyingResourceAttributes: Opt(Bool({ doc: 'Keep service.name/namespace/instance.id on target_info too.', default: 'true' })),
        },
        { doc: "The OTLP receiver's translation of resource attributes and names." },
      ),
    ),
    resources: Opt(ResourcesSchema),
    logLevel: Opt(Enum(PROMETHEUS_LOG_LEVELS, { doc: '--log.level.', default: 'info' })),
  },
  { doc: 'Prometheus, the metrics backend.' },
);
export type PrometheusOptions = Static<typeof PROMETHEUS_OPTIONS>;

/** The props schema of {@link Prometheus} without its scrape configs (checked by their own table). */
export const PROMETHEUS_PROPS = Obj({ ...componentPropsSchema(52), ...PROMETHEUS_OPTIONS.properties });

/** The effective size retention: the given one, else 80% of the volume. */
export function prometheusRetentionSize(o: PrometheusOptions): string {
  return o.retention?.size ?? prometheusSizeFloor(quantityBytes(o.storage?.volume?.size ?? PROMETHEUS_DEFAULT_VOLUME_SIZE) * PROMETHEUS_DEFAULT_RETENTION_SIZE_RATIO);
}

/** The rules of {@link PrometheusOptions} the schema cannot express, under `path`. */
export function prometheusRules(o: PrometheusOptions, path: string, resources: Resources = resolveResources(PROMETHEUS_DEFAULT_RESOURCES, o.resources)): Rule[] {
  const volumeSize = o.storage?.volume?.size ?? PROMETHEUS_DEFAULT_VOLUME_SIZE;
  const volumeBytes = quantityBytes(volumeSize);
  const rules: Rule[] = [];
  for (const [field, value] of [
    ['retention.time', o.retention?.time],
    ['scrapeInterval', o.scrapeInterval],
    ['evaluationInterval', o.evaluationInterval],
    ['outOfOrderTimeWindow', o.outOfOrderTimeWindow],
  ] as const) {
    rules.push({ field: `${path}.${field}`, value, ok: (v: string) => (Duration.parse(v)?.ms ?? 0) > 0, allowed: POSITIVE_DURATION_ALLOWED });
  }
  if (volumeBytes > 0 && (o.retention?.size === undefined || prometheusSizeBytes(o.retention.size) > 0)) {
    // The size retention must leave room on the volume (WAL, head chunks, compaction).
    rules.push({
      field: `${path}.retention.size`,
      value: prometheusRetentionSize(o),
      ok: (v: string) => prometheusSizeBytes(v) > 0 && prometheusSizeBytes(v) < volumeBytes,
      allowed:
        `a size smaller than the volume (${path}.storage.volume.size ${JSON.stringify(volumeSize)} = ${volumeBytes} bytes); ` +
        'Prometheus sizes are powers of 2, so "1GB" is 1073741824 bytes',
    });
  }
  rules.push(...resourceRules(`${path}.resources`, o.resources, resources));
  return rules;
}
