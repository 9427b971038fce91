import { Construct } from 'constructs';
import { ComponentProps, resolveNamespace } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { IMAGES, imageVersion } from '../../lib/images';
import { ComponentIdentity } from '../../lib/naming';
import { resolveResources, resourceRules, Resources, ResourcesOverride } from '../../lib/resources';
import { s3CredentialEnv, StorageOptions, storageRules } from '../../lib/storage';
import { is, validate } from '../../lib/validation';
import { httpProbe, Workload } from '../../lib/workload';
import { Prometheus } from '../prometheus/prometheus';
import { promIs } from '../prometheus/config';
import {
  GO_DURATION_ALLOWED,
  isGoDuration,
  TEMPO_CONFIG_DIR,
  TEMPO_CONFIG_FILE_NAME,
  TEMPO_CONFIG_PATH,
  TEMPO_DATA_DIR,
  TEMPO_DEFAULT_RETENTION,
  TEMPO_DEFAULT_SPAN_METRICS_DIMENSIONS,
  TEMPO_GRPC_PORT,
  TEMPO_HISTOGRAM_MODES,
  TEMPO_HTTP_PORT,
  TEMPO_LOG_LEVELS,
  TEMPO_OTLP_GRPC_PORT,
  TEMPO_OTLP_HTTP_PORT,
  TempoHistogramMode,
  TempoLogLevel,
  tempoConfigYaml,
} from './config';
import { backendsDashboard } from '../../dashboards/backends';
import { servicesDashboard } from '../../dashboards/services';
import { tempoAlerts } from '../../dashboards/alerts/tempo';
import { Observable, ObservabilityContent } from '../../lib/observability';

/** Default local volume (WAL, generator WAL; all blocks too without S3). */
export const TEMPO_DEFAULT_VOLUME_SIZE = '10Gi';

/** The image's `USER 10001:10001` (cmd/tempo/Dockerfile). */
const RUN_AS = { user: 10001, group: 10001 };

const DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '250m', memory: '1Gi' },
  limits: { cpu: '1', memory: '2Gi' },
};

/** Metrics-generator wiring: span-metrics and service-graphs remote-written to a Prometheus. */
export interface TempoMetricsGeneratorOptions {
  /** The Prometheus that receives the generated series (its remote-write endpoint, with exemplars). */
  readonly prometheus: Prometheus;
  /** Labels added to every generated series, on top of `source: tempo`. @default {} */
  readonly externalLabels?: Record<string, string>;
  /**
   * Extra span-metrics dimensions (resource or span attributes), on top of
   * service, span name, span kind and status code.
   * @default TEMPO_DEFAULT_SPAN_METRICS_DIMENSIONS
   */
  readonly spanMetricsDimensions?: string[];
  /** Extra service-graph dimensions. @default [] */
  readonly serviceGraphDimensions?: string[];
  /** Emit `traces_target_info` with the resource attributes. @default true */
  readonly enableTargetInfo?: boolean;
  /** Histogram flavour of the latency metrics (`generate_native_histograms`). @default 'classic' */
  readonly histograms?: TempoHistogramMode;
}

export interface TempoProps extends ComponentProps {
  /** How long trace blocks are kept (`compactor.compaction.block_retention`), a Go duration. @default '336h' (14d) */
  readonly retention?: string;
  /** Local volume, and optionally an S3-compatible bucket for the blocks. @default a 10Gi volume, blocks on it */
  readonly storage?: StorageOptions;
  /** Generate span-metrics and service-graphs into this Prometheus. @default none (processors off) */
  readonly metricsGenerator?: TempoMetricsGeneratorOptions;
  /** Run the local-blocks processor so TraceQL metrics queries (`{ } | rate()`) work. @default true */
  readonly traceqlMetrics?: boolean;
  /** Container resources. @default requests 250m/1Gi, limits 1/2Gi */
  readonly resources?: ResourcesOverride;
  /** `server.log_level`. @default 'info' */
  readonly logLevel?: TempoLogLevel;
}

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
export class Tempo extends Construct implements Observable {
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
    super(scope, id);
    const name = props.name ?? 'tempo';
    const namespace = resolveNamespace(this, props.namespace);
    const retention = props.retention ?? TEMPO_DEFAULT_RETENTION;
    const volumeSize = props.storage?.volume?.size ?? TEMPO_DEFAULT_VOLUME_SIZE;
    const traceqlMetrics = props.traceqlMetrics ?? true;
    const logLevel = props.logLevel ?? 'info';
    const mg = props.metricsGenerator;
    const resources = resolveResources(DEFAULT_RESOURCES, props.resources);
    const s3 = props.storage?.s3;

    validate(this, [
      { field: 'tempo.name', value: name, ok: is.dnsLabel, allowed: is.dnsLabelAllowed },
      { field: 'tempo.namespace', value: props.namespace, ok: is.dnsLabel, allowed: is.dnsLabelAllowed },
      { field: 'tempo.retention', value: props.retention, ok: isGoDuration, allowed: GO_DURATION_ALLOWED },
      ...storageRules('tempo.storage', props.storage),
      { field: 'tempo.traceqlMetrics', value: props.traceqlMetrics, ok: (v: unknown) => typeof v === 'boolean', allowed: 'true or false' },
      { field: 'tempo.logLevel', value: props.logLevel, ok: is.oneOf(TEMPO_LOG_LEVELS), allowed: is.oneOfAllowed(TEMPO_LOG_LEVELS) },
      ...resourceRules('tempo.resources', props.resources, resources),
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
            { field: 'tempo.metricsGenerator.externalLabels', value: mg.externalLabels, ok: promIs.labels, allowed: promIs.labelsAllowed },
            {
              field: 'tempo.metricsGenerator.spanMetricsDimensions',
              value: mg.spanMetricsDimensions,
              ok: promIs.stringList,
              allowed: `${promIs.stringListAllowed} (attribute names such as "k8s.namespace.name")`,
            },
            {
              field: 'tempo.metricsGenerator.serviceGraphDimensions',
              value: mg.serviceGraphDimensions,
              ok: promIs.stringList,
              allowed: `${promIs.stringListAllowed} (attribute names such as "k8s.namespace.name")`,
            },
            { field: 'tempo.metricsGenerator.enableTargetInfo', value: mg.enableTargetInfo, ok: (v: unknown) => typeof v === 'boolean', allowed: 'true or false' },
            { field: 'tempo.metricsGenerator.histograms', value: mg.histograms, ok: is.oneOf(TEMPO_HISTOGRAM_MODES), allowed: is.oneOfAllowed(TEMPO_HISTOGRAM_MODES) },
          ]),
    ]);

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
      args: [`-config.file=${TEMPO_CONFIG_PATH}`, '-target=all', ...(s3 ? ['-config.expand-env=true'] : [])],
      env: s3 ? s3CredentialEnv(s3) : undefined,
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
  }

  /** Tempo's alert rules (scraped as job `<name>`), the backends dashboard and, with span metrics, the services (RED) dashboard. */
  public observability(): ObservabilityContent {
    const dashboards = this.metricsGeneratorTarget ? [backendsDashboard(), servicesDashboard()] : [backendsDashboard()];
    return { dashboards, ruleSets: { tempo: tempoAlerts({ job: this.name }) } };
  }

}
