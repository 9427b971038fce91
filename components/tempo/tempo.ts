import { ScrapeJobRef, ScrapeTarget } from '../../lib/scrape-config';
import { Construct } from 'constructs';
import { resolveNamespace, stackNamespace } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { IMAGES, imageVersion } from '../../lib/images';
import { ComponentIdentity } from '../../lib/naming';
import { goMemLimitShare, resolveResources } from '../../lib/resources';
import { omit, Static, validateProps } from '../../lib/schema';
import { s3CredentialEnv, s3Port } from '../../lib/storage';
import { Duration } from '../../lib/values';
import { httpProbe, Workload } from '../../lib/workload';
import { Prometheus } from '../prometheus/prometheus';
import {
  TEMPO_CONFIG_DIR,
  TEMPO_CONFIG_FILE_NAME,
  TEMPO_CONFIG_PATH,
  TEMPO_DATA_DIR,
  TEMPO_DEFAULT_RETENTION,
  TEMPO_DEFAULT_SPAN_METRICS_DIMENSIONS,
  TEMPO_GRPC_PORT,
  TEMPO_HTTP_PORT,
  TEMPO_OTLP_GRPC_PORT,
  TEMPO_OTLP_HTTP_PORT,
  TempoHistogramMode,
  tempoConfigYaml,
} from './config';
import { TEMPO_DEFAULT_RESOURCES, TEMPO_METRICS_GENERATOR_OPTIONS, TEMPO_PROPS, tempoRules } from './options';
import { defaultDashboard } from '../../dashboards/prebuilt';
import { tempoAlerts } from '../../dashboards/alerts/tempo';
import { Observable, ObservabilityContent } from '../../lib/observability';

/** Default local volume (WAL, generator WAL; all blocks too without S3). */
export const TEMPO_DEFAULT_VOLUME_SIZE = '10Gi';

/**
 * `GOMEMLIMIT` as a share of the memory limit: the tempo-distributed Helm
 * chart's `global.goSettings.goMemLimitFactor` (0.85; grafana-community
 * helm-charts, chart 2.26.2 for Tempo 2.10.7, charts/tempo-distributed/values.yaml).
 */
export const TEMPO_GOMEMLIMIT_SHARE = 0.85;

/** The image's `USER 10001:10001` (cmd/tempo/Dockerfile). */
const RUN_AS = { user: 10001, group: 10001 };

/**
 * Metrics-generator wiring: span-metrics and service-graphs remote-written to
 * a Prometheus (its remote-write endpoint, with exemplars), plus the data
 * options of `TEMPO_METRICS_GENERATOR_OPTIONS` (documented there).
 */
export type TempoMetricsGeneratorOptions = Static<typeof TEMPO_METRICS_GENERATOR_OPTIONS> & {
  /** The Prometheus that receives the generated series. */
  readonly prometheus: Prometheus;
};

/**
 * The props of {@link Tempo}: name, namespace, the options of `TEMPO_OPTIONS`
 * (the `tempo` section of the config file, documented there) and the
 * metrics-generator wiring.
 */
export type TempoProps = Static<typeof TEMPO_PROPS> & {
  /** Generate span-metrics and service-graphs into this Prometheus. @default none (processors off) */
  readonly metricsGenerator?: TempoMetricsGeneratorOptions;
};

/** The endpoints other components dial. */
export interface TempoEndpoints {
  /** Query API (`http://<svc>:3200`), the Grafana data source URL. */
  readonly http: Endpoint;
  /** gRPC API. */
  readonly grpc: Endpoint;
  /** OTLP/gRPC trace receiver (`hostPort` for exporters). */
  readonly otlpGrpc: Endpoint;
  /** OTLP/HTTP trace receiver base; exporters append `/v1/traces`. */
  readonly otlpHttp: Endpoint;
}

/**
 * Tempo 2.10 monolithic (`-target=all`) as a single-replica StatefulSet:
 * OTLP receivers on 4317/4318, blocks on the local volume or an S3-compatible
 * bucket, block retention, and the metrics-generator (service graphs and span
 * metrics with exemplars remote-written to a {@link Prometheus}; local blocks
 * for TraceQL metrics).
 */
export class Tempo extends Construct implements Observable, ScrapeTarget {
  /** The scrape jobs that scrape this component (see {@link scrapedAs}). */
  private readonly scrapeJobs: ScrapeJobRef[] = [];
  public readonly name: string;
  public readonly identity: ComponentIdentity;
  public readonly workload: Workload;
  public readonly endpoints: TempoEndpoints;
  /** The resolved block retention. */
  public readonly retention: string;
  /** The Prometheus the metrics-generator writes to, when wired. */
  public readonly metricsGeneratorTarget?: Prometheus;
  /** Whether TraceQL metrics (local-blocks) are on. */
  public readonly traceqlMetrics: boolean;
  /** Histogram flavour of the generated latency metrics (`generate_native_histograms`). */
  public readonly histograms: TempoHistogramMode;

  constructor(scope: Construct, id: string, props: TempoProps = {}) {
    const name = props.name ?? 'tempo';
    const resources = resolveResources(TEMPO_DEFAULT_RESOURCES, props.resources);
    const mg = props.metricsGenerator;
    // Validate everything before this construct (or any child) joins the tree.
    validateProps(
      'Tempo props',
      [
        [TEMPO_PROPS, omit(props, ['metricsGenerator']), 'tempo'],
        ...(mg !== undefined ? [[TEMPO_METRICS_GENERATOR_OPTIONS, omit(mg, ['prometheus']), 'tempo.metricsGenerator'] as const] : []),
      ],
      [
        ...tempoRules(props, 'tempo', resources),
        ...(mg === undefined
          ? []
          : [
              {
                field: 'tempo.metricsGenerator.prometheus',
                value: mg.prometheus,
                required: true,
                ok: (v: unknown) => v instanceof Prometheus,
                allowed: 'a Prometheus component of this package (its remote-write endpoint is used)',
              },
            ]),
      ],
    );
    stackNamespace(scope, props.namespace, 'tempo.namespace', 'Tempo props');
    super(scope, id);
    const namespace = resolveNamespace(this, props.namespace);
    // Tempo reads Go durations: "30d" is rendered as "720h".
    const retention = Duration.parse(props.retention ?? TEMPO_DEFAULT_RETENTION)!.toGo();
    const volumeSize = props.storage?.volume?.size ?? TEMPO_DEFAULT_VOLUME_SIZE;
    const traceqlMetrics = props.traceqlMetrics ?? true;
    const logLevel = props.logLevel ?? 'info';
    const s3 = props.storage?.s3;

    this.name = name;
    this.retention = retention;
    this.traceqlMetrics = traceqlMetrics;
    this.metricsGeneratorTarget = mg?.prometheus;
    this.histograms = mg?.histograms ?? 'classic';
    this.identity = { name, app: 'tempo', component: 'traces-storage', version: imageVersion(IMAGES.tempo), namespace };

    const config = tempoConfigYaml({
      retention,
      s3,
      traceqlMetrics,
      histograms: this.histograms,
      logLevel,
      remoteWrite: mg && {
        url: mg.prometheus.endpoints.remoteWrite.url(),
        externalLabels: { source: 'tempo', ...(mg.externalLabels ?? {}) },
        spanMetricsDimensions: mg.spanMetricsDimensions ?? [...TEMPO_DEFAULT_SPAN_METRICS_DIMENSIONS],
        serviceGraphDimensions: mg.serviceGraphDimensions ?? [],
        enableTargetInfo: mg.enableTargetInfo ?? true,
      },
    });

    this.workload = new Workload(this, 'workload', {
      identity: this.identity,
      kind: 'StatefulSet',
      image: IMAGES.tempo,
      runAs: RUN_AS,
      args: [`-config.file=${TEMPO_CONFIG_PATH}`, '-target=all'],
      env: [{ name: 'GOMEMLIMIT', value: goMemLimitShare(resources, TEMPO_GOMEMLIMIT_SHARE) }, ...(s3 ? s3CredentialEnv(s3) : [])],
      ports: [
        { name: 'http', port: TEMPO_HTTP_PORT, protocol: 'http' },
        { name: 'grpc', port: TEMPO_GRPC_PORT, protocol: 'grpc' },
        { name: 'otlp-grpc', port: TEMPO_OTLP_GRPC_PORT, protocol: 'grpc' },
        { name: 'otlp-http', port: TEMPO_OTLP_HTTP_PORT, protocol: 'http' },
      ],
      configFiles: [{ fileName: TEMPO_CONFIG_FILE_NAME, content: config }],
      configMountPath: TEMPO_CONFIG_DIR,
      scratch: [{ name: 'tmp', mountPath: '/tmp' }],
      persistence: { name: 'data', mountPath: TEMPO_DATA_DIR, size: volumeSize, storageClassName: props.storage?.volume?.storageClassName },
      resources,
      readinessProbe: httpProbe('/ready', 'http'),
      // `/ready` waits for the ring; liveness only asks whether the HTTP server answers.
      livenessProbe: httpProbe('/api/status/buildinfo', 'http', { failureThreshold: 6 }),
      terminationGracePeriodSeconds: 60,
    });

    this.endpoints = {
      http: this.workload.endpoint('http'),
      grpc: this.workload.endpoint('grpc'),
      otlpGrpc: this.workload.endpoint('otlp-grpc'),
      otlpHttp: this.workload.endpoint('otlp-http'),
    };
    const c = this.workload.connections;
    if (mg) c.allowToEndpoint(mg.prometheus.endpoints.remoteWrite, `${name}'s metrics-generator remote-writes to ${mg.prometheus.name}`);
    if (s3) c.allowTo({ kind: 'external', role: 'objectStorage' }, [{ port: s3Port(s3) }], `${name} stores blocks in bucket ${s3.bucket}`);
  }

  /** The endpoint Prometheus scrapes (`/metrics` on the http port). */
  public get metricsEndpoint(): Endpoint {
    return this.endpoints.http.withPath('/metrics');
  }

  /** Records a scrape job that scrapes this component (see `Prometheus.scrape`); its alert rules select it. */
  public scrapedAs(job: ScrapeJobRef): void {
    if (!this.scrapeJobs.some((j) => j.jobName === job.jobName)) this.scrapeJobs.push(job);
  }

  /** Tempo's alert rules (scraped as job `<name>`), the backends dashboard and, with span metrics, the services (RED) dashboard. */
  public observability(): ObservabilityContent {
    const dashboards = this.metricsGeneratorTarget ? [defaultDashboard('backends'), defaultDashboard('services')] : [defaultDashboard('backends')];
    return { dashboards, ruleSets: this.scrapeJobs.length > 0 ? { tempo: tempoAlerts({ job: this.scrapeJobs }) } : {} };
  }
}
