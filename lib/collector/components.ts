import { ValidationError } from '../validation';
import { COLLECTOR_METRIC_NAME_ALLOWED, COLLECTOR_METRIC_NAME_PATTERN, Duration, DURATION_ALLOWED } from '../values';
import { escapeForCollector, PrometheusReceiverConfig } from './prometheus';
import { CollectorPort, Connector, Exporter, Extension, Processor, Receiver, Signal } from './types';

/**
 * Typed factories for the collector components this package uses. Every key
 * rendered here was checked against the pinned collector-contrib 0.159.0
 * (see /tmp/research/otel-collector.md for sources): component type names are
 * the snake_case ones (`otlp_grpc`, `otlp_http`, `prometheus_remote_write`,
 * `k8s_attributes`), not their deprecated aliases.
 */

const METRICS_ONLY: readonly Signal[] = ['metrics'];

// ---------------------------------------------------------------------------
// Shared option types
// ---------------------------------------------------------------------------

/** Server-side TLS of a receiver (files mounted from a Secret). */
export interface ServerTlsOptions {
  /** Path of the PEM certificate (chain). */
  readonly certFile: string;
  /** Path of the PEM private key. */
  readonly keyFile: string;
  /** Path of a CA bundle; when set, clients must present a certificate it signed (mTLS). @default none */
  readonly clientCaFile?: string;
  /** Reload the certificate files this often (picks up Secret rotation). @default '1h' */
  readonly reloadInterval?: string;
}

/** Client-side TLS of an exporter. */
export interface ClientTlsOptions {
  /** CA bundle that verifies the server. @default the system pool */
  readonly caFile?: string;
  /** Expected server name, when it differs from the dialled host. @default the dialled host */
  readonly serverNameOverride?: string;
}

/** Exporter sending queue (`sending_queue`, exporterhelper). */
export interface QueueOptions {
  /** @default 10 */
  readonly numConsumers?: number;
  /** In units of `sizer`. @default 1000 */
  readonly queueSize?: number;
  /** What `queueSize` counts: requests, items (spans, data points, log records) or bytes. @default the exporter's (requests) */
  readonly sizer?: 'requests' | 'items' | 'bytes';
  /**
   * Id of a storage extension (`file_storage/<name>`) that keeps the queue on
   * disk (the persistent queue: batches survive a collector restart and are
   * sent after it). @default in memory
   */
  readonly storage?: string;
}

/** Exporter retries (`retry_on_failure`, exporterhelper). */
export interface RetryOptions {
  /** @default '5s' */
  readonly initialInterval?: string;
  /** @default '30s' */
  readonly maxInterval?: string;
  /** Give up after this long; `0s` retries forever. @default '300s' */
  readonly maxElapsedTime?: string;
}

/** Where a gRPC exporter sends: a `host:port` (an {@link Endpoint} satisfies this). */
export interface GrpcTarget {
  readonly hostPort: string;
  readonly tls: boolean;
}

/** Where an HTTP exporter sends: a base URL (an {@link Endpoint} satisfies this). */
export interface HttpTarget {
  readonly tls: boolean;
  url(subPath?: string): string;
}

function retry(r: RetryOptions = {}): Record<string, unknown> {
  return {
    enabled: true,
    initial_interval: r.initialInterval ?? '5s',
    max_interval: r.maxInterval ?? '30s',
    max_elapsed_time: r.maxElapsedTime ?? '300s',
  };
}

function queue(q: QueueOptions = {}): Record<string, unknown> {
  return {
    enabled: true,
    num_consumers: q.numConsumers ?? 10,
    ...(q.sizer ? { sizer: q.sizer } : {}),
    queue_size: q.queueSize ?? 1000,
    ...(q.storage ? { storage: q.storage } : {}),
  };
}

function clientTls(tls: boolean, o?: ClientTlsOptions): Record<string, unknown> {
  if (!tls) return { insecure: true };
  return {
    ...(o?.caFile ? { ca_file: o.caFile } : {}),
    ...(o?.serverNameOverride ? { server_name_override: o.serverNameOverride } : {}),
  };
}

function serverTls(o: ServerTlsOptions): Record<string, unknown> {
  return {
    cert_file: o.certFile,
    key_file: o.keyFile,
    ...(o.clientCaFile ? { client_ca_file: o.clientCaFile } : {}),
    reload_interval: o.reloadInterval ?? '1h',
  };
}

// ---------------------------------------------------------------------------
// Receivers
// ---------------------------------------------------------------------------

/** One OTLP protocol server. */
export interface OtlpProtocolOptions {
  /** Listen port. @default 4317 (gRPC) / 4318 (HTTP) */
  readonly port?: number;
  /** Container/Service port name. @default 'otlp-grpc' / 'otlp-http' */
  readonly portName?: string;
  readonly tls?: ServerTlsOptions;
  /** Id of a server authenticator extension (e.g. `bearertokenauth/server`). */
  readonly authenticator?: string;
  /**
   * gRPC only: close each client connection after this long (with a grace
   * period for the calls in flight), so clients reconnect and a load balancer
   * can spread them over new replicas (`keepalive.server_parameters`).
   * @default connections live until the client closes them
   */
  readonly maxConnectionAge?: { readonly age: string; readonly grace: string };
}

export interface OtlpReceiverOptions {
  readonly name?: string;
  /** gRPC server; `false` disables it. @default enabled on 4317 */
  readonly grpc?: OtlpProtocolOptions | false;
  /** HTTP server; `false` disables it. @default enabled on 4318 */
  readonly http?: OtlpProtocolOptions | false;
}

/** Default OTLP ports (IANA). */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;

/**
 * The largest OTLP gRPC message every receiver on the path accepts, in MiB
 * (`max_recv_msg_size_mib`; the collector's and Tempo's default is 4 MiB).
 * Collectors forward batches of up to 10,000 items (the batch processor's
 * `send_batch_max_size`): at 1 to 3 KiB per span or log record, 10 to 30 MiB.
 * A message over a receiver's limit is refused as a permanent error and the
 * batch is dropped, so every OTLP gRPC receiver the data crosses (node agent,
 * signal collectors, telemetry gateway, Tempo's distributor) takes this size.
 */
export const OTLP_MAX_RECV_MSG_SIZE_MIB = 32;

/**
 * The `otlp` receiver. Endpoints are set to `0.0.0.0` explicitly: the
 * receiver's default is `localhost` since v0.104.0, unreachable from other pods.
 */
export function otlpReceiver(o: OtlpReceiverOptions = {}): Receiver {
  const protocols: Record<string, unknown> = {};
  const ports: CollectorPort[] = [];
  const requires: string[] = [];
  const proto = (key: 'grpc' | 'http', p: OtlpProtocolOptions, defPort: number) => {
    const port = p.port ?? defPort;
    protocols[key] = {
      endpoint: `0.0.0.0:${port}`,
      ...(key === 'grpc' ? { max_recv_msg_size_mib: OTLP_MAX_RECV_MSG_SIZE_MIB } : {}),
      ...(key === 'grpc' && p.maxConnectionAge
        ? { keepalive: { server_parameters: { max_connection_age: p.maxConnectionAge.age, max_connection_age_grace: p.maxConnectionAge.grace } } }
        : {}),
      ...(p.tls ? { tls: serverTls(p.tls) } : {}),
      ...(p.authenticator ? { auth: { authenticator: p.authenticator } } : {}),
    };
    ports.push({ name: p.portName ?? `otlp-${key}`, port, protocol: key });
    if (p.authenticator) requires.push(p.authenticator);
  };
  if (o.grpc !== false) proto('grpc', o.grpc ?? {}, OTLP_GRPC_PORT);
  if (o.http !== false) proto('http', o.http ?? {}, OTLP_HTTP_PORT);
  return { class: 'receiver', type: 'otlp', name: o.name, config: { protocols }, ports, requires };
}

export interface PrometheusReceiverOptions {
  readonly name?: string;
  /** The embedded Prometheus config, in plain Prometheus syntax (`$` is escaped for you). */
  readonly config: PrometheusReceiverConfig;
}

/** The `prometheus` receiver (metrics only). Relabel `$` are doubled for the collector's env expansion. */
export function prometheusReceiver(o: PrometheusReceiverOptions): Receiver {
  return {
    class: 'receiver',
    type: 'prometheus',
    name: o.name,
    signals: METRICS_ONLY,
    config: {
      config: {
        ...(o.config.global ? { global: o.config.global } : {}),
        scrape_configs: o.config.scrape_configs.map(escapeForCollector),
      },
    },
  };
}

// ---------------------------------------------------------------------------
// Processors
// ---------------------------------------------------------------------------

export interface MemoryLimiterOptions {
  /** @default '1s' (must be > 0) */
  readonly checkInterval?: string;
  /** Hard limit as a percentage of the container memory limit. @default 80 */
  readonly limitPercentage?: number;
  /** @default 25 */
  readonly spikeLimitPercentage?: number;
}

/** The `memory_limiter` processor; every pipeline starts with it. */
export function memoryLimiter(o: MemoryLimiterOptions = {}): Processor {
  return {
    class: 'processor',
    type: 'memory_limiter',
    config: {
      check_interval: o.checkInterval ?? '1s',
      limit_percentage: o.limitPercentage ?? 80,
      spike_limit_percentage: o.spikeLimitPercentage ?? 25,
    },
  };
}

export interface BatchOptions {
  /** @default 8192 */
  readonly sendBatchSize?: number;
  /** @default 10000 */
  readonly sendBatchMaxSize?: number;
  /** @default '5s' */
  readonly timeout?: string;
}

/** The `batch` processor; every pipeline ends with it. */
export function batch(o: BatchOptions = {}): Processor {
  return {
    class: 'processor',
    type: 'batch',
    config: {
      send_batch_size: o.sendBatchSize ?? 8192,
      send_batch_max_size: o.sendBatchMaxSize ?? 10000,
      timeout: o.timeout ?? '5s',
    },
  };
}

/**
 * Default metadata the k8s_attributes processor extracts (pod data only: no
 * extra RBAC). `service.instance.id` is set, when the application did not set
 * it, to `<namespace>.<pod>.<container>` (the semantic conventions' rule;
 * k8sattributesprocessor v0.159.0 internal/kube/client.go
 * `automaticServiceInstanceID`; it never overwrites a value the application
 * sent). Without it the replicas of one service send identical series, which
 * collide on the remote-write path (its `instance` label comes from
 * `service.instance.id`).
 */
export const K8S_ATTRIBUTES_METADATA: readonly string[] = [
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.pod.uid',
  'k8s.deployment.name',
  'k8s.node.name',
  'k8s.container.name',
  'service.instance.id',
];

export interface K8sAttributesOptions {
  readonly name?: string;
  /** Watch only pods of the node named by this env var (`filter.node_from_env_var`). @default cluster-wide */
  readonly nodeFromEnvVar?: string;
  /** `extract.metadata`. @default {@link K8S_ATTRIBUTES_METADATA} */
  readonly metadata?: readonly string[];
}

/**
 * The `k8s_attributes` processor. With the default metadata it needs only
 * get/list/watch on pods and namespaces (k8s.deployment.name is derived from
 * the ReplicaSet name without replicaset RBAC).
 */
export function k8sAttributes(o: K8sAttributesOptions = {}): Processor {
  return {
    class: 'processor',
    type: 'k8s_attributes',
    name: o.name,
    config: {
      auth_type: 'serviceAccount',
      passthrough: false,
      ...(o.nodeFromEnvVar ? { filter: { node_from_env_var: o.nodeFromEnvVar } } : {}),
      extract: { metadata: [...(o.metadata ?? K8S_ATTRIBUTES_METADATA)] },
      pod_association: [
        { sources: [{ from: 'resource_attribute', name: 'k8s.pod.ip' }] },
        { sources: [{ from: 'resource_attribute', name: 'k8s.pod.uid' }] },
        { sources: [{ from: 'connection' }] },
      ],
    },
  };
}

export type ResourceAttribute =
  | {
      readonly key: string;
      readonly value: string;
      /** @default 'upsert' */
      readonly action?: 'insert' | 'update' | 'upsert';
    }
  | {
      readonly key: string;
      /** Copy the value of this resource attribute. */
      readonly fromAttribute: string;
      /** `insert` only sets the key where it is missing. @default 'insert' */
      readonly action?: 'insert' | 'update' | 'upsert';
    };

/** The `resource` processor, setting resource attributes on every signal. */
export function resourceProcessor(o: { readonly name?: string; readonly attributes: readonly ResourceAttribute[] }): Processor {
  return {
    class: 'processor',
    type: 'resource',
    name: o.name,
    config: {
      attributes: o.attributes.map((a) =>
        'fromAttribute' in a ? { key: a.key, from_attribute: a.fromAttribute, action: a.action ?? 'insert' } : { key: a.key, value: a.value, action: a.action ?? 'upsert' },
      ),
    },
  };
}

/**
 * `resource/instance`: where `service.instance.id` is still missing after
 * k8s_attributes (a pod with several containers whose records name none), it
 * becomes the pod's uid, so no two pods share an instance.
 */
export function serviceInstanceFallback(): Processor {
  return resourceProcessor({ name: 'instance', attributes: [{ key: 'service.instance.id', fromAttribute: 'k8s.pod.uid', action: 'insert' }] });
}

/**
 * The `delta_to_cumulative` processor (metrics only): accumulates delta sums
 * and histograms into cumulative ones, in memory, per stream. Prometheus'
 * OTLP receiver and the remote-write exporter cannot take delta temporality.
 * It is stateful: every sample of a stream must pass the same instance (true
 * for a node agent, which receives all of its node's applications; and for a
 * single-replica collector). A stream idle for `maxStale` is forgotten.
 */
export function deltaToCumulative(o: { readonly maxStale?: string } = {}): Processor {
  return { class: 'processor', type: 'delta_to_cumulative', signals: METRICS_ONLY, config: { max_stale: o.maxStale ?? '5m' } };
}

/** The OTel semantic-convention resource attribute carrying the cluster name. */
export const K8S_CLUSTER_NAME_ATTRIBUTE = 'k8s.cluster.name';

/**
 * The Prometheus label `k8s.cluster.name` ends up as. It is what Prometheus'
 * OTLP receiver produces when it promotes the resource attribute under its
 * default `otlp.translation_strategy` (`UnderscoreEscapingWithSuffixes`, and
 * also `UnderscoreEscapingWithoutSuffixes`: "." becomes "_"), so series pushed
 * by remote write (`external_labels`) or scraped from the prometheus exporter
 * (`const_labels`) carry the same label as series ingested over OTLP.
 */
export const CLUSTER_NAME_LABEL = 'k8s_cluster_name';

/**
 * The `resource` processor stamping `k8s.cluster.name` (upsert) on every
 * signal. Its id is `resource`, the same in every collector.
 */
export function clusterNameProcessor(clusterName: string): Processor {
  return resourceProcessor({ attributes: [{ key: K8S_CLUSTER_NAME_ATTRIBUTE, value: clusterName, action: 'upsert' }] });
}

/**
 * A reference to an environment variable, expanded by the collector when it
 * loads its config (`${env:NAME}`; core confmap, default scheme `env`).
 */
export function envRef(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ValidationError([{ field: 'name', value: name, allowed: 'an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' }], 'envRef');
  return `\${env:${name}}`;
}

/** Metric names an allowlist filter accepts: OTel or Prometheus style, no quotes or spaces (the grammar module's collector metric name). */
export const METRIC_NAME = new RegExp(COLLECTOR_METRIC_NAME_PATTERN);

/** The OTTL drop condition that keeps exactly the listed metric names. */
export function allowlistCondition(metricNames: readonly string[]): string {
  return `not (${metricNames.map((n) => `metric.name == "${n}"`).join(' or ')})`;
}

/**
 * A `filter` processor that keeps only the listed metrics (metrics pipelines
 * only). Uses the v0.146+ `metric_conditions` form: a matching condition
 * DROPS, so the single condition is "name is none of the listed".
 */
export function metricAllowlist(o: { readonly name?: string; readonly metricNames: readonly string[] }): Processor {
  const bad = o.metricNames.filter((n) => !METRIC_NAME.test(n));
  if (o.metricNames.length === 0 || bad.length > 0) {
    throw new ValidationError([{ field: 'metricAllowlist.metricNames', value: bad.length ? bad : o.metricNames, allowed: `a non-empty list of metric names (${COLLECTOR_METRIC_NAME_ALLOWED})` }], 'metricAllowlist');
  }
  return {
    class: 'processor',
    type: 'filter',
    name: o.name ?? 'allowlist',
    signals: METRICS_ONLY,
    config: { error_mode: 'ignore', metric_conditions: [allowlistCondition(o.metricNames)] },
  };
}

// ---------------------------------------------------------------------------
// Exporters
// ---------------------------------------------------------------------------

/** OTLP compressions (gRPC: gzip, snappy, zstd, none). */
export type OtlpCompression = 'gzip' | 'zstd' | 'snappy' | 'none';

interface ExporterCommon {
  readonly name?: string;
  /** Id of a client authenticator extension. */
  readonly authenticator?: string;
  /** Extra request headers (e.g. tenant ids). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly tlsOptions?: ClientTlsOptions;
  /** @default 'gzip' */
  readonly compression?: OtlpCompression;
  readonly queue?: QueueOptions;
  readonly retry?: RetryOptions;
  /** Per-attempt timeout. @default exporter default (otlp_grpc 5s, otlp_http 30s) */
  readonly timeout?: string;
}

function exporterCommon(o: ExporterCommon, tls: boolean): Record<string, unknown> {
  return {
    tls: clientTls(tls, o.tlsOptions),
    ...(o.headers && Object.keys(o.headers).length > 0 ? { headers: { ...o.headers } } : {}),
    ...(o.authenticator ? { auth: { authenticator: o.authenticator } } : {}),
    compression: o.compression ?? 'gzip',
    ...(o.timeout ? { timeout: o.timeout } : {}),
    sending_queue: queue(o.queue),
    retry_on_failure: retry(o.retry),
  };
}

/** The `otlp_grpc` exporter (formerly `otlp`): `endpoint` is the target's `host:port`. */
export function otlpGrpcExporter(o: ExporterCommon & { readonly target: GrpcTarget }): Exporter {
  return {
    class: 'exporter',
    type: 'otlp_grpc',
    name: o.name,
    config: { endpoint: o.target.hostPort, ...exporterCommon(o, o.target.tls) },
    requires: [...(o.authenticator ? [o.authenticator] : []), ...(o.queue?.storage ? [o.queue.storage] : [])],
  };
}

/** The `otlp_http` exporter (formerly `otlphttp`): `endpoint` is the base URL, `/v1/<signal>` is appended. */
export function otlpHttpExporter(o: ExporterCommon & { readonly target: HttpTarget }): Exporter {
  return {
    class: 'exporter',
    type: 'otlp_http',
    name: o.name,
    config: { endpoint: o.target.url(), ...exporterCommon(o, o.target.tls) },
    requires: [...(o.authenticator ? [o.authenticator] : []), ...(o.queue?.storage ? [o.queue.storage] : [])],
  };
}

export interface RemoteWriteOptions {
  readonly name?: string;
  /** The remote-write URL (e.g. Prometheus' `/api/v1/write` endpoint). */
  readonly target: HttpTarget;
  readonly headers?: Readonly<Record<string, string>>;
  /** Labels added to every series. */
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** Copy resource attributes to series labels. @default false (they go to `target_info`) */
  readonly resourceToTelemetryConversion?: boolean;
  /** `remote_write_queue`. @default queueSize 10000, numConsumers 5 */
  readonly queue?: QueueOptions;
  /** @default maxElapsedTime {@link REMOTE_WRITE_MAX_OUTAGE}, otherwise as {@link RetryOptions} */
  readonly retry?: RetryOptions;
  /** Timeout of one HTTP request (`http.timeout`), a Go duration. @default '5s' (the factory's) */
  readonly requestTimeout?: string;
}

/**
 * How long the remote-write exporter retries a batch by default: a
 * Prometheus outage (a restart replaying a large WAL, a rollout) of up to
 * 15 minutes loses nothing while the in-memory `remote_write_queue` holds
 * what arrives meanwhile.
 */
export const REMOTE_WRITE_MAX_OUTAGE = '15m';

function durationMs(text: string, field: string): number {
  const d = Duration.parse(text);
  if (!d) throw new ValidationError([{ field, value: text, allowed: DURATION_ALLOWED }], 'prometheusRemoteWriteExporter');
  return d.ms;
}

/**
 * The `prometheus_remote_write` exporter (metrics only). HTTP client settings
 * are nested under `http:` (the preferred form at 0.159.0). It does not
 * support `sending_queue` (it has `remote_write_queue`) and only supports
 * `snappy` compression, which the remote-write protocol requires.
 *
 * Its retries are its own (`retry_on_failure` drives a backoff loop inside
 * one push, v0.159.0 exporter.go `execute`), and the exporter's top-level
 * `timeout` (exporterhelper's, default 5 s) bounds that whole push: left at
 * its default, every batch is given up 5 s into an outage whatever
 * `max_elapsed_time` says. So `timeout` is rendered as the retry window plus
 * one request, and each request keeps its own `http.timeout`.
 */
export function prometheusRemoteWriteExporter(o: RemoteWriteOptions): Exporter {
  const retryOptions: RetryOptions = { maxElapsedTime: REMOTE_WRITE_MAX_OUTAGE, ...o.retry };
  const requestTimeout = o.requestTimeout ?? '5s';
  const windowMs = durationMs(retryOptions.maxElapsedTime!, 'retry.maxElapsedTime');
  return {
    class: 'exporter',
    type: 'prometheus_remote_write',
    name: o.name,
    signals: METRICS_ONLY,
    config: {
      http: {
        endpoint: o.target.url(),
        tls: clientTls(o.target.tls),
        compression: 'snappy',
        timeout: requestTimeout,
        ...(o.headers && Object.keys(o.headers).length > 0 ? { headers: { ...o.headers } } : {}),
      },
      // 0s retries forever, and 0 is exporterhelper's "no timeout".
      timeout: windowMs === 0 ? '0s' : `${Math.ceil((windowMs + durationMs(requestTimeout, 'requestTimeout')) / 1000)}s`,
      ...(o.externalLabels && Object.keys(o.externalLabels).length > 0 ? { external_labels: { ...o.externalLabels } } : {}),
      resource_to_telemetry_conversion: { enabled: o.resourceToTelemetryConversion ?? false },
      remote_write_queue: { enabled: true, queue_size: o.queue?.queueSize ?? 10000, num_consumers: o.queue?.numConsumers ?? 5 },
      retry_on_failure: retry(retryOptions),
    },
  };
}

/** Default port of the pull-mode `prometheus` exporter. */
export const PROMETHEUS_EXPORTER_PORT = 8889;
/** Its container/Service port name. */
export const PROMETHEUS_EXPORTER_PORT_NAME = 'prom-export';

/**
 * The `prometheus` exporter (metrics only): serves `/metrics` for a Prometheus
 * to scrape (pull mode). Exponential histograms are exposed as native
 * histograms over the protobuf format. A pull exporter has no queue or retries.
 */
export function prometheusExporter(
  o: {
    readonly name?: string;
    readonly port?: number;
    readonly resourceToTelemetryConversion?: boolean;
    /** Labels added to every exposed series (`const_labels`). @default none */
    readonly constLabels?: Readonly<Record<string, string>>;
  } = {},
): Exporter {
  const port = o.port ?? PROMETHEUS_EXPORTER_PORT;
  return {
    class: 'exporter',
    type: 'prometheus',
    name: o.name,
    signals: METRICS_ONLY,
    config: {
      endpoint: `0.0.0.0:${port}`,
      ...(o.constLabels && Object.keys(o.constLabels).length > 0 ? { const_labels: { ...o.constLabels } } : {}),
      resource_to_telemetry_conversion: { enabled: o.resourceToTelemetryConversion ?? false },
    },
    ports: [{ name: PROMETHEUS_EXPORTER_PORT_NAME, port, protocol: 'http', path: '/metrics' }],
  };
}

/** The `debug` exporter (logs what passes, for troubleshooting). */
export function debugExporter(o: { readonly verbosity?: 'basic' | 'normal' | 'detailed' } = {}): Exporter {
  return { class: 'exporter', type: 'debug', config: { verbosity: o.verbosity ?? 'basic' } };
}

// ---------------------------------------------------------------------------
// Extensions
// ---------------------------------------------------------------------------

/** Default health_check port. */
export const HEALTH_CHECK_PORT = 13133;
/** Its container port name (probes use it). */
export const HEALTH_CHECK_PORT_NAME = 'health';

/** The `health_check` extension on `0.0.0.0:13133`, path `/`; it backs the liveness and readiness probes. */
export function healthCheck(o: { readonly port?: number; readonly path?: string } = {}): Extension {
  const port = o.port ?? HEALTH_CHECK_PORT;
  const path = o.path ?? '/';
  return {
    class: 'extension',
    type: 'health_check',
    config: { endpoint: `0.0.0.0:${port}`, path },
    ports: [{ name: HEALTH_CHECK_PORT_NAME, port, protocol: 'http', path, expose: false }],
  };
}

/**
 * The `bearertokenauth` extension reading its token(s) from a file (a mounted
 * Secret), never a literal. As a server authenticator every line's first word
 * is an accepted token; as a client authenticator the token is sent as
 * `Authorization: Bearer <token>` (requires TLS on the exporter).
 */
export function bearerTokenAuth(o: { readonly name: string; readonly filename: string }): Extension {
  return { class: 'extension', type: 'bearertokenauth', name: o.name, config: { scheme: 'Bearer', filename: o.filename } };
}

/**
 * The `file_storage` extension: a bbolt file per component that uses it
 * (for a persistent sending queue: one per exporter and signal) in
 * `directory`, each at most `maxSizeBytes` (a write past it fails with
 * storage full, so the files never outgrow the volume). `create_directory`
 * lets the collector start (and `otelcol validate` pass) before the directory
 * exists; in the pod it is the volume's mount point.
 */
export function fileStorage(o: { readonly name: string; readonly directory: string; readonly maxSizeBytes: number; readonly timeout?: string }): Extension {
  return {
    class: 'extension',
    type: 'file_storage',
    name: o.name,
    config: { directory: o.directory, create_directory: true, timeout: o.timeout ?? '10s', max_size: o.maxSizeBytes },
  };
}

// ---------------------------------------------------------------------------
// Connectors
// ---------------------------------------------------------------------------

/** The `forward` connector: passes data from one pipeline to another of the same signal. */
export function forwardConnector(o: { readonly name?: string } = {}): Connector {
  return { class: 'connector', type: 'forward', name: o.name, config: {} };
}
