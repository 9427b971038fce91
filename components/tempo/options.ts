import { componentPropsSchema } from '../../lib/component';
import { resolveResources, resourceRules, Resources, ResourcesSchema } from '../../lib/resources';
import { Bool, Enum, List, Obj, Opt, Static, Str } from '../../lib/schema';
import { LabelsSchema } from '../../lib/scrape-config';
import { StorageSchema } from '../../lib/storage';
import { Rule } from '../../lib/validation';
import { Duration, DURATION_PATTERN, durationRangeAllowed, OTEL_ATTRIBUTE_ALLOWED, OTEL_ATTRIBUTE_PATTERN } from '../../lib/values';
import { TEMPO_DEFAULT_RETENTION, TEMPO_HISTOGRAM_MODES, TEMPO_LOG_LEVELS } from './config';

/** Default compute resources of Tempo. */
export const TEMPO_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '250m', memory: '1Gi' },
  limits: { cpu: '1', memory: '2Gi' },
};

/**
 * The shortest block retention: Tempo's default `storage.trace.blocklist_poll`
 * (5m). Tempo warns when `compactor.compaction.block_retention` is below it
 * (cmd/tempo/app/config.go CheckConfig, warnBlockRetention: queriers and
 * compactors may read blocks that no longer exist).
 */
export const TEMPO_MIN_RETENTION = Duration.parse('5m')!;

const RETENTION_ALLOWED = durationRangeAllowed(TEMPO_MIN_RETENTION, "Tempo's blocklist poll period");

/**
 * The options of {@link Tempo}, defined once: the `tempo` section of the
 * config file is exactly these (plus `enabled`); the construct adds name,
 * namespace and the metrics-generator wiring.
 */
export const TEMPO_OPTIONS = Obj(
  {
    retention: Opt(
      Str(DURATION_PATTERN, RETENTION_ALLOWED, {
        doc: 'How long trace blocks are kept (compactor.compaction.block_retention); rendered as a Go duration (30d becomes 720h).',
        default: TEMPO_DEFAULT_RETENTION,
      }),
    ),
    storage: Opt(StorageSchema),
    traceqlMetrics: Opt(Bool({ doc: 'Run the local-blocks processor so TraceQL metrics queries ({ } | rate()) work.', default: 'true' })),
    resources: Opt(ResourcesSchema),
    logLevel: Opt(Enum(TEMPO_LOG_LEVELS, { doc: 'server.log_level.', default: 'info' })),
  },
  { doc: 'Tempo, the traces backend.' },
);
export type TempoOptions = Static<typeof TEMPO_OPTIONS>;

const DIMENSIONS = (doc: string) =>
  Opt(List(Str(OTEL_ATTRIBUTE_PATTERN, OTEL_ATTRIBUTE_ALLOWED), `a list of distinct attribute names (${OTEL_ATTRIBUTE_ALLOWED})`, { unique: true, doc }));

/** The data options of the metrics-generator (its Prometheus is construct wiring). */
export const TEMPO_METRICS_GENERATOR_OPTIONS = Obj({
  externalLabels: Opt(LabelsSchema),
  spanMetricsDimensions: DIMENSIONS('Extra span-metrics dimensions, on top of service, span name, kind and status code.'),
  serviceGraphDimensions: DIMENSIONS('Extra service-graph dimensions.'),
  enableTargetInfo: Opt(Bool({ doc: 'Emit traces_target_info with the resource attributes.', default: 'true' })),
  histograms: Opt(Enum(TEMPO_HISTOGRAM_MODES, { doc: 'Histogram flavour of the latency metrics (generate_native_histograms).', default: 'classic' })),
});

/** The props schema of {@link Tempo} without the metrics-generator wiring (checked on its own). */
export const TEMPO_PROPS = Obj({ ...componentPropsSchema(52), ...TEMPO_OPTIONS.properties });

/** The rules of {@link TempoOptions} the schema cannot express, under `path`. */
export function tempoRules(o: TempoOptions, path: string, resources: Resources = resolveResources(TEMPO_DEFAULT_RESOURCES, o.resources)): Rule[] {
  return [
    { field: `${path}.retention`, value: o.retention, ok: (v: string) => (Duration.parse(v)?.ms ?? 0) >= TEMPO_MIN_RETENTION.ms, allowed: RETENTION_ALLOWED },
    ...resourceRules(`${path}.resources`, o.resources, resources),
  ];
}
