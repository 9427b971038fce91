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
  basicAuthClient,
  basicAuthServer,
  batch,
  bearerTokenAuth,
  ClientTlsOptions,
  CollectorConfig,
  ComponentRef,
  debugExporter,
  Exporter,
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
  Receiver,
  resourceProcessor,
  ScrapeJob,
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
// Logs and traces
// ---------------------------------------------------------------------------

export interface LogsCollectorConfigOptions extends CommonConfigOptions {
  /** Loki's OTLP/HTTP base endpoint (`/otlp`; the exporter appends `/v1/logs`). */
  readonly lokiOtlp: HttpTarget;
  /** Headers Loki requires (its tenant header in multi-tenant mode). @default none */
  readonly lokiHeaders?: Readonly<Record<string, string>>;
}

/** OTLP gRPC+HTTP in, `otlp_http/loki` out. */
export function logsCollectorConfig(o: LogsCollectorConfigOptions): CollectorConfig {
  const b = base(o);
  const otlp = otlpReceiver();
  const loki = otlpHttpExporter({ name: 'loki', target: o.lokiOtlp, headers: o.lokiHeaders });
  b.cfg.addReceiver(otlp).addExporter(loki);
  pipeline(b, 'logs', [otlp], [], [loki]);
  return b.cfg;
}

export interface TracesCollectorConfigOptions extends CommonConfigOptions {
  /** Tempo's OTLP gRPC endpoint (`host:port`; plaintext in-cluster). */
  readonly tempoOtlpGrpc: GrpcTarget;
}

/** OTLP gRPC+HTTP in, `otlp_grpc/tempo` out. */
export function tracesCollectorConfig(o: TracesCollectorConfigOptions): CollectorConfig {
  const b = base(o);
  const otlp = otlpReceiver();
  const tempo = otlpGrpcExporter({ name: 'tempo', target: o.tempoOtlpGrpc });
  b.cfg.addReceiver(otlp).addExporter(tempo);
  pipeline(b, 'traces', [otlp], [], [tempo]);
  return b.cfg;
}

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

/** Push to a remote-write endpoint, or expose a Prometheus exporter port to be scraped. */
export type MetricsExport =
  | { readonly mode: 'push'; readonly remoteWrite: HttpTarget; readonly headers?: Readonly<Record<string, string>> }
  | { readonly mode: 'pull'; readonly port?: number };

export interface MetricsCollectorConfigOptions extends CommonConfigOptions {
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
 * control plane, annotated pods; native histograms) in, remote write or a
 * Prometheus exporter out.
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
  const out =
    o.export.mode === 'push'
      ? prometheusRemoteWriteExporter({ name: 'prometheus', target: o.export.remoteWrite, headers: o.export.headers })
      : prometheusExporter({ port: o.export.port });
  b.cfg.addReceiver(otlp, prom).addExporter(out);
  pipeline(b, 'metrics', [otlp, prom], [], [out]);
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
  | {
      readonly kind: 'gateway';
      readonly target: GrpcTarget;
      readonly tls: ClientTlsOptions;
      /** Client authentication with files mounted from Secrets. */
      readonly auth?: { readonly bearerTokenFile: string } | { readonly usernameFile: string; readonly passwordFile: string };
    };

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

/** The id of the agent's gateway client authenticator. */
export const AGENT_GATEWAY_AUTH = 'gateway';

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
  const cluster = resourceProcessor({ attributes: [{ key: 'k8s.cluster.name', value: o.clusterName, action: 'upsert' }] });
  const allow = metricAllowlist({ metricNames: o.metricAllowlist });
  b.cfg.addProcessor(k8s, cluster, allow);

  let exporters: Record<Signal, Exporter>;
  if (o.forward.kind === 'collectors') {
    exporters = {
      traces: otlpGrpcExporter({ name: 'traces', target: o.forward.traces }),
      metrics: otlpGrpcExporter({ name: 'metrics', target: o.forward.metrics }),
      logs: otlpGrpcExporter({ name: 'logs', target: o.forward.logs }),
    };
    b.cfg.addExporter(exporters.traces, exporters.metrics, exporters.logs);
  } else {
    const auth = o.forward.auth;
    let authenticator: string | undefined;
    if (auth) {
      const ext =
        'bearerTokenFile' in auth
          ? bearerTokenAuth({ name: AGENT_GATEWAY_AUTH, filename: auth.bearerTokenFile })
          : basicAuthClient({ name: AGENT_GATEWAY_AUTH, usernameFile: auth.usernameFile, passwordFile: auth.passwordFile });
      b.cfg.addExtension(ext);
      authenticator = `${ext.type}/${AGENT_GATEWAY_AUTH}`;
    }
    const gw = otlpGrpcExporter({ name: 'gateway', target: o.forward.target, tlsOptions: o.forward.tls, authenticator });
    b.cfg.addExporter(gw);
    exporters = { traces: gw, metrics: gw, logs: gw };
  }
  pipeline(b, 'traces', [otlp], [k8s, cluster], [exporters.traces]);
  // Filter first: dropped metrics are not enriched.
  pipeline(b, 'metrics', metricsReceivers, [allow, k8s, cluster], [exporters.metrics]);
  pipeline(b, 'logs', [otlp], [k8s, cluster], [exporters.logs]);
  return b.cfg;
}

// ---------------------------------------------------------------------------
// Telemetry gateway
// ---------------------------------------------------------------------------

/** Server authentication of the gateway, with files mounted from Secrets. */
export type GatewayServerAuthFiles = { readonly bearerTokensFile: string } | { readonly htpasswdFile: string };

/** The id of the gateway's server authenticator. */
export const GATEWAY_SERVER_AUTH = 'server';

export interface GatewayConfigOptions extends CommonConfigOptions {
  readonly tls: ServerTlsOptions;
  readonly auth: GatewayServerAuthFiles;
  readonly lokiOtlp: HttpTarget;
  readonly lokiHeaders?: Readonly<Record<string, string>>;
  readonly tempoOtlpGrpc: GrpcTarget;
  readonly prometheusRemoteWrite: HttpTarget;
}

/** OTLP over TLS with authentication in; Loki, Tempo and Prometheus out. */
export function gatewayConfig(o: GatewayConfigOptions): CollectorConfig {
  const b = base(o);
  const ext =
    'bearerTokensFile' in o.auth
      ? bearerTokenAuth({ name: GATEWAY_SERVER_AUTH, filename: o.auth.bearerTokensFile })
      : basicAuthServer({ name: GATEWAY_SERVER_AUTH, htpasswdFile: o.auth.htpasswdFile });
  b.cfg.addExtension(ext);
  const authenticator = `${ext.type}/${GATEWAY_SERVER_AUTH}`;
  const otlp = otlpReceiver({ grpc: { tls: o.tls, authenticator }, http: { tls: o.tls, authenticator } });
  const loki = otlpHttpExporter({ name: 'loki', target: o.lokiOtlp, headers: o.lokiHeaders });
  const tempo = otlpGrpcExporter({ name: 'tempo', target: o.tempoOtlpGrpc });
  const prom = prometheusRemoteWriteExporter({ name: 'prometheus', target: o.prometheusRemoteWrite });
  b.cfg.addReceiver(otlp).addExporter(tempo, prom, loki);
  pipeline(b, 'traces', [otlp], [], [tempo]);
  pipeline(b, 'metrics', [otlp], [], [prom]);
  pipeline(b, 'logs', [otlp], [], [loki]);
  return b.cfg;
}
