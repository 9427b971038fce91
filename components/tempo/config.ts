import { stringifyYaml } from '../../lib/yaml-writer';
import { OTLP_MAX_RECV_MSG_SIZE_MIB } from '../../lib/collector/components';
import { S3BucketOptions } from '../../lib/storage';

/**
 * The Tempo 2.10.x configuration file, built as a typed object by a pure
 * function so tests can assert it exactly. Every key below is one the pinned
 * release accepts (tempo v2.10.8 docs/sources/tempo/configuration/_index.md,
 * manifest.md, cmd/tempo/app/config.go, modules/overrides/config.go,
 * tempodb/backend/s3/config.go).
 */

/** HTTP port (query API, `/ready`). Tempo's default. */
export const TEMPO_HTTP_PORT = 3200;
/** gRPC port (internal querier/frontend traffic, gRPC API). Tempo's default. */
export const TEMPO_GRPC_PORT = 9095;
/** OTLP/gRPC receiver port. */
export const TEMPO_OTLP_GRPC_PORT = 4317;
/** OTLP/HTTP receiver port (`/v1/traces`). */
export const TEMPO_OTLP_HTTP_PORT = 4318;
/** Data directory (WAL, local blocks, generator WAL and traces); the PVC mount (owned by 10001 in the image). */
export const TEMPO_DATA_DIR = '/var/tempo';
/** Directory the ConfigMap is mounted at. */
export const TEMPO_CONFIG_DIR = '/etc/tempo';
/** File name of the config inside {@link TEMPO_CONFIG_DIR}. */
export const TEMPO_CONFIG_FILE_NAME = 'tempo.yaml';
/** Full path passed as `-config.file`. */
export const TEMPO_CONFIG_PATH = `${TEMPO_CONFIG_DIR}/${TEMPO_CONFIG_FILE_NAME}`;
/**
 * Query-path sizes (Tempo's defaults are 30 s HTTP timeouts, 16 MiB gRPC
 * server messages and 16 MiB sent by the querier's frontend worker):
 * - HTTP read/write timeouts of 2m, for searches that read many blocks
 *   (tempo v2.10.8 docs/sources/tempo/operations/backend_search.md);
 * - 100 MiB gRPC messages between querier and query-frontend, on the server
 *   and in the querier's frontend worker (docs/sources/tempo/troubleshooting/
 *   querying/response-too-large.md names both; 100 MiB is Tempo's own gRPC
 *   client receive limit, configuration/manifest.md). The Helm charts keep
 *   the defaults here, so Tempo's documentation is the upstream source.
 */
export const TEMPO_HTTP_SERVER_TIMEOUT = '2m';
export const TEMPO_GRPC_MAX_MSG_BYTES = 100 * 2 ** 20;

/** Default block retention: 14 days, Tempo's own default (`compactor.compaction.block_retention`). */
export const TEMPO_DEFAULT_RETENTION = '336h';

/** Metrics-generator processors (`overrides.defaults.metrics_generator.processors` values). */
export const TEMPO_PROCESSORS = ['service-graphs', 'span-metrics', 'local-blocks'] as const;
export type TempoProcessor = (typeof TEMPO_PROCESSORS)[number];

/** `generate_native_histograms` values (modules/generator/registry/interface.go). */
export const TEMPO_HISTOGRAM_MODES = ['classic', 'native', 'both'] as const;
export type TempoHistogramMode = (typeof TEMPO_HISTOGRAM_MODES)[number];

/** `server.log_level` values. */
export const TEMPO_LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type TempoLogLevel = (typeof TEMPO_LOG_LEVELS)[number];

/** Default extra span-metrics dimensions (on top of service, span name, kind and status code). */
export const TEMPO_DEFAULT_SPAN_METRICS_DIMENSIONS: readonly string[] = ['service.namespace', 'deployment.environment.name', 'k8s.namespace.name'];

/** Remote-writing metrics-generator settings. */
export interface TempoGeneratorRemoteWrite {
  /** Prometheus remote-write URL (from the Prometheus component's endpoint). */
  readonly url: string;
  /** Labels added to every generated series. */
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly spanMetricsDimensions: readonly string[];
  readonly serviceGraphDimensions: readonly string[];
  /** Emit `traces_target_info`. */
  readonly enableTargetInfo: boolean;
}

/** Inputs of {@link tempoConfig}. */
export interface TempoConfigOptions {
  /** `compactor.compaction.block_retention` (a Go duration). */
  readonly retention: string;
  /** Store blocks in this bucket instead of the local volume. */
  readonly s3?: S3BucketOptions;
  /** Span-metrics and service-graphs remote-written to Prometheus; omitted = those processors stay off. */
  readonly remoteWrite?: TempoGeneratorRemoteWrite;
  /** Run the local-blocks processor (TraceQL metrics, `{ } | rate()`). */
  readonly traceqlMetrics: boolean;
  readonly histograms: TempoHistogramMode;
  readonly logLevel: TempoLogLevel;
}

type S3Config = {
  readonly bucket: string;
  readonly endpoint: string;
  readonly region: string;
  readonly insecure: boolean;
  readonly forcepathstyle: boolean;
};

/** The subset of the Tempo configuration this package renders. */
export interface TempoConfig {
  readonly multitenancy_enabled: false;
  readonly stream_over_http_enabled: true;
  readonly server: {
    readonly http_listen_port: number;
    readonly grpc_listen_port: number;
    readonly log_level: TempoLogLevel;
    readonly http_server_read_timeout: string;
    readonly http_server_write_timeout: string;
    readonly grpc_server_max_recv_msg_size: number;
    readonly grpc_server_max_send_msg_size: number;
  };
  readonly distributor: {
    readonly receivers: {
      readonly otlp: { readonly protocols: { readonly grpc: { readonly endpoint: string; readonly max_recv_msg_size_mib: number }; readonly http: { readonly endpoint: string } } };
    };
  };
  readonly querier: { readonly frontend_worker: { readonly frontend_address: string; readonly grpc_client_config: { readonly max_send_msg_size: number } } };
  readonly compactor: { readonly compaction: { readonly block_retention: string } };
  readonly storage: {
    readonly trace: {
      readonly backend: 'local' | 's3';
      readonly wal: { readonly path: string };
      readonly local?: { readonly path: string };
      readonly s3?: S3Config;
    };
  };
  readonly metrics_generator?: {
    readonly registry?: { readonly external_labels: Readonly<Record<string, string>> };
    readonly storage: { readonly path: string; readonly remote_write?: readonly { readonly url: string; readonly send_exemplars: true }[] };
    readonly traces_storage?: { readonly path: string };
    readonly processor: {
      readonly service_graphs?: { readonly dimensions: readonly string[] };
      readonly span_metrics?: { readonly dimensions: readonly string[]; readonly enable_target_info: boolean };
      readonly local_blocks?: { readonly filter_server_spans: false; readonly flush_to_storage: true };
    };
  };
  readonly overrides?: {
    readonly defaults: {
      readonly metrics_generator: { readonly processors: readonly TempoProcessor[]; readonly generate_native_histograms: TempoHistogramMode };
    };
  };
  readonly usage_report: { readonly reporting_enabled: false };
}

/** The processors {@link tempoConfig} enables for the options. */
export function tempoProcessors(o: Pick<TempoConfigOptions, 'remoteWrite' | 'traceqlMetrics'>): TempoProcessor[] {
  return [...(o.remoteWrite ? (['service-graphs', 'span-metrics'] as const) : []), ...(o.traceqlMetrics ? (['local-blocks'] as const) : [])];
}

/**
 * Builds the monolithic (`-target=all`) Tempo configuration.
 *
 * - OTLP receivers bind `0.0.0.0` (since 2.7 they default to localhost, which a Service cannot reach).
 * - Single tenant, streaming over HTTP for Grafana, usage reporting off.
 * - Processors are enabled through the new overrides format
 *   (`overrides.defaults.metrics_generator.processors`); the legacy flat form
 *   is deprecated in 2.10 and refused by 3.0.
 * - Span-metrics and service-graphs only with a remote-write target, sent with exemplars.
 * - No S3 credentials in the file: minio-go's chain reads `AWS_ACCESS_KEY_ID`
 *   / `AWS_SECRET_ACCESS_KEY` (env from a Secret) or the pod's identity.
 * - Local blocks are flushed to the trace storage (`flush_to_storage`), so
 *   TraceQL metrics and Grafana's trace drilldown see more than the last 30
 *   minutes: older ranges are read from the backend
 *   (`query_frontend.metrics.query_backend_after`, 30m), which only holds
 *   generator blocks when they are flushed (configure-traceql-metrics.md).
 */
export function tempoConfig(o: TempoConfigOptions): TempoConfig {
  const processors = tempoProcessors(o);
  const rw = o.remoteWrite;
  const generator: TempoConfig['metrics_generator'] =
    processors.length === 0
      ? undefined
      : {
          ...(rw ? { registry: { external_labels: { ...rw.externalLabels } } } : {}),
          storage: {
            path: `${TEMPO_DATA_DIR}/generator/wal`,
            ...(rw ? { remote_write: [{ url: rw.url, send_exemplars: true as const }] } : {}),
          },
          ...(o.traceqlMetrics ? { traces_storage: { path: `${TEMPO_DATA_DIR}/generator/traces` } } : {}),
          processor: {
            ...(rw
              ? {
                  service_graphs: { dimensions: [...rw.serviceGraphDimensions] },
                  span_metrics: { dimensions: [...rw.spanMetricsDimensions], enable_target_info: rw.enableTargetInfo },
                }
              : {}),
            ...(o.traceqlMetrics ? { local_blocks: { filter_server_spans: false as const, flush_to_storage: true as const } } : {}),
          },
        };
  const s3 = o.s3;
  return {
    multitenancy_enabled: false,
    stream_over_http_enabled: true,
    server: {
      http_listen_port: TEMPO_HTTP_PORT,
      grpc_listen_port: TEMPO_GRPC_PORT,
      log_level: o.logLevel,
      http_server_read_timeout: TEMPO_HTTP_SERVER_TIMEOUT,
      http_server_write_timeout: TEMPO_HTTP_SERVER_TIMEOUT,
      grpc_server_max_recv_msg_size: TEMPO_GRPC_MAX_MSG_BYTES,
      grpc_server_max_send_msg_size: TEMPO_GRPC_MAX_MSG_BYTES,
    },
    distributor: {
      receivers: {
        otlp: {
          protocols: {
            // The traces collectors forward batches of up to 10,000 spans (see OTLP_MAX_RECV_MSG_SIZE_MIB).
            grpc: { endpoint: `0.0.0.0:${TEMPO_OTLP_GRPC_PORT}`, max_recv_msg_size_mib: OTLP_MAX_RECV_MSG_SIZE_MIB },
            http: { endpoint: `0.0.0.0:${TEMPO_OTLP_HTTP_PORT}` },
          },
        },
      },
    },
    // What Tempo configures itself in single-binary mode (cmd/tempo/app/modules.go), stated to skip its warning.
    querier: { frontend_worker: { frontend_address: `127.0.0.1:${TEMPO_GRPC_PORT}`, grpc_client_config: { max_send_msg_size: TEMPO_GRPC_MAX_MSG_BYTES } } },
    compactor: { compaction: { block_retention: o.retention } },
    storage: {
      trace: s3
        ? {
            backend: 's3',
            wal: { path: `${TEMPO_DATA_DIR}/wal` },
            s3: {
              bucket: s3.bucket,
              // host[:port] without scheme: minio-go picks TLS from `insecure`.
              endpoint: s3.endpoint,
              region: s3.region ?? 'us-east-1',
              insecure: s3.insecure ?? false,
              forcepathstyle: s3.forcePathStyle ?? true,
            },
          }
        : { backend: 'local', wal: { path: `${TEMPO_DATA_DIR}/wal` }, local: { path: `${TEMPO_DATA_DIR}/blocks` } },
    },
    ...(generator ? { metrics_generator: generator } : {}),
    ...(processors.length > 0
      ? { overrides: { defaults: { metrics_generator: { processors, generate_native_histograms: o.histograms } } } }
      : {}),
    usage_report: { reporting_enabled: false },
  };
}

/** The Tempo configuration as YAML text. */
export function tempoConfigYaml(o: TempoConfigOptions): string {
  return stringifyYaml(tempoConfig(o));
}
