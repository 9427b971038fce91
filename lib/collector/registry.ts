import { IMAGES } from '../images';

/**
 * The registry of collector components this package can render: for every
 * component type (per class), the Go module that provides it in the
 * otelcol-contrib distribution. The type unions of the config model are
 * derived from it, so a factory cannot emit a type that is not listed here,
 * and the real-program verification (`npm run verify`) derives the
 * OpenTelemetry Collector Builder manifest from it and checks the built
 * binary's `components` against it, so the two cannot drift.
 *
 * Type names are the snake_case ones of 0.159.0 (`otlp_grpc`, `otlp_http`,
 * `prometheus_remote_write`, `k8s_attributes`, `delta_to_cumulative`,
 * `file_storage`; checked with the built binary's `components`); the
 * deprecated aliases (`deltatocumulative`, ...) are never rendered.
 */
const CORE = 'go.opentelemetry.io/collector';
const CONTRIB = 'github.com/open-telemetry/opentelemetry-collector-contrib';

export const COLLECTOR_COMPONENTS = {
  receiver: {
    otlp: `${CORE}/receiver/otlpreceiver`,
    prometheus: `${CONTRIB}/receiver/prometheusreceiver`,
  },
  processor: {
    memory_limiter: `${CORE}/processor/memorylimiterprocessor`,
    batch: `${CORE}/processor/batchprocessor`,
    k8s_attributes: `${CONTRIB}/processor/k8sattributesprocessor`,
    resource: `${CONTRIB}/processor/resourceprocessor`,
    filter: `${CONTRIB}/processor/filterprocessor`,
    delta_to_cumulative: `${CONTRIB}/processor/deltatocumulativeprocessor`,
  },
  exporter: {
    otlp_grpc: `${CORE}/exporter/otlpexporter`,
    otlp_http: `${CORE}/exporter/otlphttpexporter`,
    prometheus_remote_write: `${CONTRIB}/exporter/prometheusremotewriteexporter`,
    prometheus: `${CONTRIB}/exporter/prometheusexporter`,
    debug: `${CORE}/exporter/debugexporter`,
  },
  extension: {
    health_check: `${CONTRIB}/extension/healthcheckextension`,
    bearertokenauth: `${CONTRIB}/extension/bearertokenauthextension`,
    file_storage: `${CONTRIB}/extension/storage/filestorage`,
  },
  connector: {
    forward: `${CORE}/connector/forwardconnector`,
  },
} as const;

/** The Go module version of every registered component: the release of the pinned image. */
export function collectorModuleVersion(): string {
  return `v${IMAGES.otelCollectorContrib.tag.replace(/^v/, '')}`;
}

/** One registered component: its class, type and Go module. */
export interface RegisteredComponent {
  readonly class: keyof typeof COLLECTOR_COMPONENTS;
  readonly type: string;
  readonly gomod: string;
}

/** Every registered component, class by class. */
export function registeredComponents(): RegisteredComponent[] {
  return Object.entries(COLLECTOR_COMPONENTS).flatMap(([cls, types]) =>
    Object.entries(types).map(([type, gomod]) => ({ class: cls as RegisteredComponent['class'], type, gomod })),
  );
}
