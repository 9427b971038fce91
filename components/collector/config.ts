/**
 * Pure builders of the collector configs this package deploys. They take
 * resolved, typed endpoints (never hand-built URLs) and return a
 * {@link CollectorConfig} model; the constructs render it.
 *
 * Every pipeline is `memory_limiter → … → batch`, every pushing exporter has a
 * sending queue (`remote_write_queue` for remote write), retries and
 * compression (gzip for OTLP, snappy for remote write), the health_check
 * extension backs the probes and the self-metrics reader serves :8888.
 */
import {
  batch,
  bearerTokenAuth,
  ClientTlsOptions,
  CLUSTER_NAME_LABEL,
  clusterNameProcessor,
  CollectorConfig,
  ComponentRef,
  debugExporter,
  deltaToCumulative,
  Exporter,
  fileStorage,
  GrpcTarget,
  healthCheck,
  HttpTarget,
  k8sAttributes,
  memoryLimiter,
  metricAllowlist,
  nativeHistogramGlobal,
  NODE_NAME_ENV,
  otlpGrpcExporter,
  otlpHttpExporter,
  otlpReceiver,
  podDiscoveryJobs,
  Processor,
  prometheusExporter,
  prometheusReceiver,
  prometheusRemoteWriteExporter,
  QueueOptions,
  Receiver,
  RetryOptions,
  ScrapeJob,
  serviceInstanceFallback,
  ServerTlsOptions,
  Signal,
  TelemetryOptions,
} from '../../lib/collector';

/** Options every collector config accepts. */
export interface CommonConfigOptions {
  /** Add the `debug` exporter (verbosity basic) to every pipeline. @default false */
  readonly debug?: boolean;
  readonly telemetry?: TelemetryOptions;
}

/** The base of every config: health_check, memory_limiter, batch, and `debug` when asked. */
function base(o: CommonConfigOptions): { cfg: CollectorConfig; debug?: Exporter; limiter: Processor; batcher: Processor } {
  const cfg = new CollectorConfig(o.telemetry);
  cfg.addExtension(healthCheck());
  const limiter = memoryLimiter();
  const batcher = batch();
  cfg.addProcessor(limiter, batcher);
  let debug: Exporter | undefined;
  if (o.debug) {
    debug = debugExporter();
    cfg.addExporter(debug);
  }
  return { cfg, debug, limiter, batcher };
}

/** Adds a pipeline `memory_limiter → middle… → batch` (plus `debug` when enabled). */
function pipeline(
  b: ReturnType<typeof base>,
  signal: Signal,
  receivers: ComponentRef[],
  middle: ComponentRef[],
  exporters: ComponentRef[],
): void {
  b.cfg.addPipeline({
    signal,
    receivers,
    processors: [b.limiter, ...middle, b.batcher],
    exporters: [...exporters, ...(b.debug ? [b.debug] : [])],
  });
}

// ---------------------------------------------------------------------------
// Cluster name and gateway export (shared by the agent and the signal collectors)
// ---------------------------------------------------------------------------

/** Options of the collectors that can stamp their cluster's name. */
export interface ClusterNameOptions {
  /**
   * When set, a `resource` processor upserts `k8s.cluster.name` right after
   * memory_limiter (the node agent's processor). @default not stamped
   */
  readonly clusterName?: string;
}

/** The cluster-name processor for a pipeline's middle (empty when no name is given); registered on the config. */
function clusterStamp(b: ReturnType<typeof base>, clusterName: string | undefined): Processor[] {
  if (clusterName === undefined) return [];
  const p = clusterNameProcessor(clusterName);
  if (!b.cfg.has('resource', 'processor')) b.cfg.addProcessor(p);
  return [p];
}

/**
 * A sending queue on disk (the exporterhelper's persistent queue on a
 * `file_storage` extension): batches wait in bbolt files on a volume, survive
 * a collector restart, and are retried for `retryFor` each. The sizes are the
 * construct's arithmetic (see `components/collector/queue.ts`).
 */
export interface PersistentQueue {
  /** The directory the queue files live in (a volume's mount path). */
  readonly directory: string;
  /** `file_storage.max_size`: the most one queue file (one exporter, one signal) may grow to, in bytes. */
  readonly maxFileBytes: number;
  /** `sending_queue.queue_size` with `sizer: bytes`: the most one queue holds, in bytes of serialized data. */
  readonly queueBytes: number;
  /** `retry_on_failure.max_elapsed_time` (a Go duration): how long one batch is retried before it is dropped. */
  readonly retryFor: string;
}

/** The id (name part) of the queue's storage extension. */
export const QUEUE_STORAGE = 'queue';

/** Adds the `file_storage/queue` extension (once) and returns the exporter settings that use it. */
function persistentQueue(b: ReturnType<typeof base>, q: PersistentQueue): { queue: QueueOptions; retry: RetryOptions } {
  const ext = fileStorage({ name: QUEUE_STORAGE, directory: q.directory, maxSizeBytes: q.maxFileBytes });
  const id = `${ext.type}/${QUEUE_STORAGE}`;
  if (!b.cfg.has(id, 'extension')) b.cfg.addExtension(ext);
  return { queue: { sizer: 'bytes', queueSize: q.queueBytes, storage: id }, retry: { maxElapsedTime: q.retryFor } };
}

/**
 * Client authentication towards a telemetry gateway: a bearer token file
 * mounted from a Secret. (Basic auth is not offered: the collector's basicauth
 * extension is not buildable at the pinned release from the module proxy, and
 * the verification only ships what the real binary runs.)
 */
export type GatewayAuthFiles = { readonly bearerTokenFile: string };

/** How a collector dials a telemetry gateway: OTLP gRPC over TLS, authenticated. */
export interface GatewayExport {
  /**
   * The exporter `endpoint`: a `host:port`, or a reference to an env var
   * holding it (the constructs render `${env:OTLP_GATEWAY_ENDPOINT}`).
   */
  readonly endpoint: string;
  /** CA file and expected server name. */
  readonly tls: ClientTlsOptions;
  /** Client authentication with files mounted from Secrets. @default none */
  readonly auth?: GatewayAuthFiles;
  /** Keep the sending queue on disk. @default in memory */
  readonly queue?: PersistentQueue;
}

/** The id (name part) of the gateway exporter and its client authenticator. */
export const GATEWAY_CLIENT_AUTH = 'gateway';

/**
 * Adds `otlp_grpc/gateway` (TLS on, never `insecure`) and its client
 * authenticator (`bearertokenauth/gateway`, enabled in
 * `service.extensions`) to the config and returns the exporter.
 */
function gatewayExporter(b: ReturnType<typeof base>, g: GatewayExport): Exporter {
  let authenticator: string | undefined;
  if (g.auth) {
    const ext = bearerTokenAuth({ name: GATEWAY_CLIENT_AUTH, filename: g.auth.bearerTokenFile });
    b.cfg.addExtension(ext);
    authenticator = `${ext.type}/${GATEWAY_CLIENT_AUTH}`;
  }
  const durable = g.queue ? persistentQueue(b, g.queue) : {};
  const exp = otlpGrpcExporter({ name: GATEWAY_CLIENT_AUTH, target: { hostPort: g.endpoint, tls: true }, tlsOptions: g.tls, authenticator, ...durable });
  b.cfg.addExporter(exp);
  return exp;
}

// ---------------------------------------------------------------------------
// Logs and traces
// ---------------------------------------------------------------------------

/** Where the logs collector exports: Loki's OTLP endpoint, or a telemetry gateway. */
export type LogsDestination =
  | {
      /** Loki's OTLP/HTTP base endpoint (`/otlp`; the exporter appends `/v1/logs`). */
      readonly lokiOtlp: HttpTarget;
      /** Headers Loki requires (its tenant header in multi-tenant mode). @default none */
      readonly lokiHeaders?: Readonly<Record<string, string>>;
    }
  | { readonly gateway: GatewayExport };

export type LogsCollectorConfigOptions = CommonConfigOptions & ClusterNameOptions & LogsDestination;

/** OTLP gRPC+HTTP in, `otlp_http/loki` (or `otlp_grpc/gateway`) out. */
export function logsCollectorConfig(o: LogsCollectorConfigOptions): CollectorConfig {
  return otlpSignalConfig(o, 'logs', 'gateway' in o ? o : { exporter: otlpHttpExporter({ name: 'loki', target: o.lokiOtlp, headers: o.lokiHeaders }) });
}

/** Where the traces collector exports: Tempo's OTLP gRPC endpoint, or a telemetry gateway. */
export type TracesDestination =
  /** Tempo's OTLP gRPC endpoint (`host:port`; plaintext in-cluster). */
  { readonly tempoOtlpGrpc: GrpcTarget } | { readonly gateway: GatewayExport };

export type TracesCollectorConfigOptions = CommonConfigOptions & ClusterNameOptions & TracesDestination;

/** OTLP gRPC+HTTP in, `otlp_grpc/tempo` (or `otlp_grpc/gateway`) out. */
export function tracesCollectorConfig(o: TracesCollectorConfigOptions): CollectorConfig {
  return otlpSignalConfig(o, 'traces', 'gateway' in o ? o : { exporter: otlpGrpcExporter({ name: 'tempo', target: o.tempoOtlpGrpc }) });
}

/** OTLP gRPC+HTTP in, one pipeline for `signal`, out to the telemetry gateway or to the backend's exporter. */
function otlpSignalConfig(
  o: CommonConfigOptions & ClusterNameOptions,
  signal: Signal,
  to: { readonly gateway: GatewayExport } | { readonly exporter: Exporter },
): CollectorConfig {
  const b = base(o);
  const otlp = otlpReceiver();
  b.cfg.addReceiver(otlp);
  let out: Exporter;
  if ('gateway' in to) {
    out = gatewayExporter(b, to.gateway);
  } else {
    out = to.exporter;
    b.cfg.addExporter(out);
  }
  pipeline(b, signal, [otlp], clusterStamp(b, o.clusterName), [out]);
  return b.cfg;
}

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

/**
 * Push to a remote-write endpoint, expose a Prometheus exporter port to be
 * scraped, or push OTLP to a telemetry gateway.
 */
export type MetricsExport =
  | { readonly mode: 'push'; readonly remoteWrite: HttpTarget; readonly headers?: Readonly<Record<string, string>> }
  | { readonly mode: 'pull'; readonly port?: number }
  | { readonly mode: 'gateway'; readonly gateway: GatewayExport };

export interface MetricsCollectorConfigOptions extends CommonConfigOptions, ClusterNameOptions {
  readonly export: MetricsExport;
  /** Discover only pods on the collector's node (DaemonSet mode). */
  readonly nodeLocal: boolean;
  /** `global.scrape_interval`. */
  readonly scrapeInterval: string;
  /** Scrape jobs added after the built-in pod discovery jobs. @default [] */
  readonly extraScrapeConfigs?: readonly ScrapeJob[];
}

/**
 * OTLP gRPC+HTTP and the prometheus receiver (kgateway data plane, kgateway
 * control plane, annotated pods; native histograms) in; remote write, a
 * Prometheus exporter or the gateway out.
 *
 * How `clusterName` becomes a Prometheus label: the `resource` processor
 * stamps `k8s.cluster.name` on every resource in all three modes. Remote
 * write and the prometheus exporter would only put resource attributes on
 * `target_info` (their `resource_to_telemetry_conversion` would copy ALL
 * resource attributes, pod uids and process attributes included, into every
 * series), so with a cluster name they get the one static label
 * {@link CLUSTER_NAME_LABEL} (`external_labels` / `const_labels`; the series'
 * own labels win on a clash). Towards a gateway the resource attribute travels
 * with the data; the gateway hands metrics to Prometheus' OTLP receiver, which
 * promotes `k8s.cluster.name` to the same label (see {@link gatewayConfig}).
 */
export function metricsCollectorConfig(o: MetricsCollectorConfigOptions): CollectorConfig {
  const b = base(o);
  const otlp = otlpReceiver();
  const prom = prometheusReceiver({
    config: {
      global: nativeHistogramGlobal(o.scrapeInterval),
      scrape_configs: [...podDiscoveryJobs({ nodeLocal: o.nodeLocal }), ...(o.extraScrapeConfigs ?? [])],
    },
  });
  b.cfg.addReceiver(otlp, prom);
  const clusterLabel = o.clusterName !== undefined ? { [CLUSTER_NAME_LABEL]: o.clusterName } : undefined;
  let out: Exporter;
  if (o.export.mode === 'gateway') {
    out = gatewayExporter(b, o.export.gateway);
  } else {
    out =
      o.export.mode === 'push'
        ? prometheusRemoteWriteExporter({ name: 'prometheus', target: o.export.remoteWrite, headers: o.export.headers, externalLabels: clusterLabel })
        : prometheusExporter({ port: o.export.port, constLabels: clusterLabel });
    b.cfg.addExporter(out);
  }
  // The remote-write exporter drops delta sums (Prometheus has no delta type): accumulate them first.
  // Stateful, so only here, where one collector sees every sample of a stream.
  const toCumulative = o.export.mode === 'push' ? [deltaToCumulative()] : [];
  b.cfg.addProcessor(...toCumulative);
  pipeline(b, 'metrics', [otlp, prom], [...clusterStamp(b, o.clusterName), ...toCumulative], [out]);
  return b.cfg;
}

// ---------------------------------------------------------------------------
// Node agent
// ---------------------------------------------------------------------------

/** Where the node agent forwards: the in-cluster signal collectors, or a telemetry gateway. */
export type AgentForward =
  | {
      readonly kind: 'collectors';
      readonly metrics: GrpcTarget;
      readonly logs: GrpcTarget;
      readonly traces: GrpcTarget;
    }
  | ({ readonly kind: 'gateway' } & GatewayExport);

export interface NodeAgentConfigOptions extends CommonConfigOptions {
  /** Value of `k8s.cluster.name` stamped on every signal. */
  readonly clusterName: string;
  /** Metric names kept by the allowlist filter. */
  readonly metricAllowlist: readonly string[];
  /** Scrape pods on this node (kgateway and annotated pods). */
  readonly scrape: boolean;
  /** `global.scrape_interval` when scraping. */
  readonly scrapeInterval: string;
  readonly forward: AgentForward;
}

/**
 * OTLP (and optionally node-local scraping) in; `k8s_attributes` limited to
 * the node, `resource` stamping k8s.cluster.name, an allowlist `filter` on
 * metrics; out to the signal collectors or the gateway.
 */
export function nodeAgentConfig(o: NodeAgentConfigOptions): CollectorConfig {
  const b = base(o);
  const otlp = otlpReceiver();
  b.cfg.addReceiver(otlp);
  const metricsReceivers: Receiver[] = [otlp];
  if (o.scrape) {
    const prom = prometheusReceiver({
      config: { global: nativeHistogramGlobal(o.scrapeInterval), scrape_configs: podDiscoveryJobs({ nodeLocal: true }) },
    });
    b.cfg.addReceiver(prom);
    metricsReceivers.push(prom);
  }
  const k8s = k8sAttributes({ nodeFromEnvVar: NODE_NAME_ENV });
  const instance = serviceInstanceFallback();
  b.cfg.addProcessor(k8s, instance);
  const [cluster] = clusterStamp(b, o.clusterName);
  const allow = metricAllowlist({ metricNames: o.metricAllowlist });
  // Every sample an application on this node sends passes this agent (its
  // Service is internalTrafficPolicy: Local), so the delta-to-cumulative state
  // of a stream is complete here; downstream (Prometheus' OTLP receiver, the
  // remote-write exporter) only cumulative temporality is ingested.
  const toCumulative = deltaToCumulative();
  b.cfg.addProcessor(allow, toCumulative);

  let exporters: Record<Signal, Exporter>;
  if (o.forward.kind === 'collectors') {
    exporters = {
      traces: otlpGrpcExporter({ name: 'traces', target: o.forward.traces }),
      metrics: otlpGrpcExporter({ name: 'metrics', target: o.forward.metrics }),
      logs: otlpGrpcExporter({ name: 'logs', target: o.forward.logs }),
    };
    b.cfg.addExporter(exporters.traces, exporters.metrics, exporters.logs);
  } else {
    const gw = gatewayExporter(b, o.forward);
    exporters = { traces: gw, metrics: gw, logs: gw };
  }
  pipeline(b, 'traces', [otlp], [k8s, instance, cluster], [exporters.traces]);
  // Filter first: dropped metrics are not enriched (nor accumulated).
  pipeline(b, 'metrics', metricsReceivers, [allow, k8s, instance, cluster, toCumulative], [exporters.metrics]);
  pipeline(b, 'logs', [otlp], [k8s, instance, cluster], [exporters.logs]);
  return b.cfg;
}

// ---------------------------------------------------------------------------
// Telemetry gateway
// ---------------------------------------------------------------------------

/** Server authentication of the gateway: the accepted bearer tokens, a file mounted from a Secret. */
export type GatewayServerAuthFiles = { readonly bearerTokensFile: string };

/** The id of the gateway's server authenticator. */
export const GATEWAY_SERVER_AUTH = 'server';

export interface GatewayConfigOptions extends CommonConfigOptions {
  readonly tls: ServerTlsOptions;
  readonly auth: GatewayServerAuthFiles;
  readonly lokiOtlp: HttpTarget;
  readonly lokiHeaders?: Readonly<Record<string, string>>;
  readonly tempoOtlpGrpc: GrpcTarget;
  /** Prometheus' OTLP/HTTP metrics base (`/api/v1/otlp`; the exporter appends `/v1/metrics`). */
  readonly prometheusOtlp: HttpTarget;
  /** Keep the three exporters' sending queues on disk. @default in memory */
  readonly queue?: PersistentQueue;
}

/**
 * How long the gateway keeps a client's gRPC connection, and the grace for
 * the calls in flight when it closes it. Behind a load balancer a gRPC
 * client keeps one connection for as long as it lives, so replicas added
 * later (or restarted) would get no clients; closing connections every
 * minute makes every client reconnect through the balancer. The grace
 * outlasts the clients' 5 s export timeout (otlp_grpc's default).
 */
export const GATEWAY_MAX_CONNECTION_AGE = { age: '1m', grace: '30s' } as const;

/**
 * OTLP over TLS with authentication in; Loki, Tempo and Prometheus out.
 *
 * Metrics go to Prometheus' OTLP receiver (`otlp_http/prometheus`), not to
 * remote write: metrics arrive from many clusters, each resource carrying its
 * own `k8s.cluster.name`, and Prometheus' `otlp.promote_resource_attributes`
 * turns exactly the listed resource attributes into labels (the package's
 * default list, upstream's recommendation, includes `k8s.cluster.name`, which
 * becomes `k8s_cluster_name`). Remote write could only do that with
 * `resource_to_telemetry_conversion`, which copies every resource attribute.
 *
 * No delta-to-cumulative here: the gateway runs several replicas and clients
 * move between them (see {@link GATEWAY_MAX_CONNECTION_AGE}), so no replica
 * sees every sample of a stream. The node agents accumulate deltas where
 * every sample passes, and Prometheus converts what still arrives as delta
 * (`--enable-feature=otlp-deltatocumulative`).
 */
export function gatewayConfig(o: GatewayConfigOptions): CollectorConfig {
  const b = base(o);
  const ext = bearerTokenAuth({ name: GATEWAY_SERVER_AUTH, filename: o.auth.bearerTokensFile });
  b.cfg.addExtension(ext);
  const authenticator = `${ext.type}/${GATEWAY_SERVER_AUTH}`;
  const otlp = otlpReceiver({ grpc: { tls: o.tls, authenticator, maxConnectionAge: GATEWAY_MAX_CONNECTION_AGE }, http: { tls: o.tls, authenticator } });
  const durable = o.queue ? persistentQueue(b, o.queue) : {};
  const loki = otlpHttpExporter({ name: 'loki', target: o.lokiOtlp, headers: o.lokiHeaders, ...durable });
  const tempo = otlpGrpcExporter({ name: 'tempo', target: o.tempoOtlpGrpc, ...durable });
  const prom = otlpHttpExporter({ name: 'prometheus', target: o.prometheusOtlp, ...durable });
  b.cfg.addReceiver(otlp).addExporter(tempo, prom, loki);
  pipeline(b, 'traces', [otlp], [], [tempo]);
  pipeline(b, 'metrics', [otlp], [], [prom]);
  pipeline(b, 'logs', [otlp], [], [loki]);
  return b.cfg;
}
