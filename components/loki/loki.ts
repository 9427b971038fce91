import { ScrapeJobRef, ScrapeTarget } from '../../lib/scrape-config';
import { Construct } from 'constructs';
import { resolveNamespace, stackNamespace } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { IMAGES, imageVersion } from '../../lib/images';
import { ComponentIdentity } from '../../lib/naming';
import { goMemLimitShare, quantityBytes, resolveResources } from '../../lib/resources';
import { Static, validateProps } from '../../lib/schema';
import { s3CredentialEnv, s3Port } from '../../lib/storage';
import { httpProbe, Workload } from '../../lib/workload';
import {
  LOKI_CONFIG_DIR,
  LOKI_CONFIG_FILE_NAME,
  LOKI_CONFIG_PATH,
  LOKI_DATA_DIR,
  LOKI_GRPC_PORT,
  LOKI_HTTP_PORT,
  LOKI_TENANT_HEADER,
  lokiConfig,
  renderLokiConfig,
} from './config';
import { LOKI_DEFAULT_RESOURCES, LOKI_DEFAULT_RETENTION, LOKI_DEFAULT_SCHEMA_FROM, LOKI_PROPS, lokiRules } from './options';
import { defaultDashboard } from '../../dashboards/prebuilt';
import { lokiAlerts } from '../../dashboards/alerts/loki';
import { Observable, ObservabilityContent } from '../../lib/observability';

/** Default size of the data PVC (`/var/loki`). */
export const LOKI_DEFAULT_VOLUME_SIZE = '10Gi';

/**
 * `GOMEMLIMIT` as a share of the memory limit: the Loki Helm chart's
 * `defaults.goSettings.goMemLimitFactor` (0.85; grafana/loki v3.7.6
 * docs/sources/setup/install/helm/reference.md).
 */
export const LOKI_GOMEMLIMIT_SHARE = 0.85;

/** The Loki image runs as `USER 10001` (cmd/loki/Dockerfile). */
const RUN_AS = { user: 10001, group: 10001 };

/**
 * The props of {@link Loki}: name, namespace and the options of
 * `LOKI_OPTIONS` (the `loki` section of the config file), documented there.
 * Retention is a duration of at least 24h (Loki's minimum), or `'forever'`
 * to disable deletion; `tenant` turns on multi-tenancy; `schemaFrom` must
 * never change once data is written.
 */
export type LokiProps = Static<typeof LOKI_PROPS>;

/** The endpoints Loki serves. */
export interface LokiEndpoints {
  /** HTTP API: push (`/loki/api/v1/push`), query, `/ready`. Grafana's data source URL. */
  readonly http: Endpoint;
  /** OTLP/HTTP logs base (`/otlp`); an `otlphttp` exporter appends `/v1/logs`. */
  readonly otlp: Endpoint;
  /** gRPC port. */
  readonly grpc: Endpoint;
}

/**
 * Grafana Loki as a single binary (`-target=all`): one StatefulSet replica with
 * a PVC, tsdb index on schema v13, optional S3-compatible object storage,
 * retention that really deletes, and native OTLP log ingestion with
 * structured metadata.
 */
export class Loki extends Construct implements Observable, ScrapeTarget {
  /** The scrape jobs that scrape this component (see {@link scrapedAs}). */
  private readonly scrapeJobs: ScrapeJobRef[] = [];
  /** Object name, also the Service name. */
  public readonly name: string;
  public readonly identity: ComponentIdentity;
  public readonly workload: Workload;
  public readonly endpoints: LokiEndpoints;
  /** The tenant clients must send, or undefined in single-tenant mode. */
  public readonly tenant?: string;
  /** Headers every client must send (`{ 'X-Scope-OrgID': tenant }` in multi-tenant mode, else empty). */
  public readonly tenantHeaders: Readonly<Record<string, string>>;
  /** Effective retention (`'forever'` when deletion is disabled). */
  public readonly retention: string;

  constructor(scope: Construct, id: string, props: LokiProps = {}) {
    // Validate everything before this construct (or any child) joins the tree.
    const name = props.name ?? 'loki';
    const resources = resolveResources(LOKI_DEFAULT_RESOURCES, props.resources);
    validateProps('Loki props', [[LOKI_PROPS, props, 'loki']], lokiRules(props, 'loki', resources));

    stackNamespace(scope, props.namespace, 'loki.namespace', 'Loki props');
    super(scope, id);

    const namespace = resolveNamespace(this, props.namespace);
    const retention = props.retention ?? LOKI_DEFAULT_RETENTION;
    const s3 = props.storage?.s3;
    this.name = name;
    this.tenant = props.tenant;
    this.tenantHeaders = props.tenant !== undefined ? { [LOKI_TENANT_HEADER]: props.tenant } : {};
    this.retention = retention;
    this.identity = { name, app: 'loki', component: 'logs-storage', version: imageVersion(IMAGES.loki), namespace };

    const config = lokiConfig({
      multiTenant: props.tenant !== undefined,
      schemaFrom: props.schemaFrom ?? LOKI_DEFAULT_SCHEMA_FROM,
      retention,
      s3,
      otlpIndexLabels: props.otlpIndexLabels,
      memoryLimitBytes: quantityBytes(resources.limits.memory),
    });

    this.workload = new Workload(this, 'workload', {
      identity: this.identity,
      kind: 'StatefulSet',
      image: IMAGES.loki,
      runAs: RUN_AS,
      args: [`-config.file=${LOKI_CONFIG_PATH}`, '-target=all'],
      env: [{ name: 'GOMEMLIMIT', value: goMemLimitShare(resources, LOKI_GOMEMLIMIT_SHARE) }, ...(s3 ? s3CredentialEnv(s3) : [])],
      ports: [
        { name: 'http', port: LOKI_HTTP_PORT, protocol: 'http' },
        { name: 'grpc', port: LOKI_GRPC_PORT, protocol: 'grpc' },
      ],
      configFiles: [{ fileName: LOKI_CONFIG_FILE_NAME, content: renderLokiConfig(config) }],
      configMountPath: LOKI_CONFIG_DIR,
      scratch: [{ name: 'tmp', mountPath: '/tmp' }],
      persistence: {
        name: 'data',
        mountPath: LOKI_DATA_DIR,
        size: props.storage?.volume?.size ?? LOKI_DEFAULT_VOLUME_SIZE,
        storageClassName: props.storage?.volume?.storageClassName,
      },
      resources,
      // As the upstream Helm chart: /ready (ingester in the ring, querier attached).
      readinessProbe: httpProbe('/ready', 'http', { initialDelaySeconds: 15 }),
      // Liveness only asks "does the HTTP server answer", so WAL replay or a
      // slow ring join (which fail /ready) never restart the pod.
      livenessProbe: httpProbe('/loki/api/v1/status/buildinfo', 'http', { initialDelaySeconds: 30, failureThreshold: 6 }),
    });

    this.endpoints = {
      http: this.workload.endpoint('http'),
      otlp: this.workload.endpoint('http', { path: '/otlp' }),
      grpc: this.workload.endpoint('grpc'),
    };
    if (s3) this.workload.connections.allowTo({ kind: 'external', role: 'objectStorage' }, [{ port: s3Port(s3) }], `${name} stores chunks and index in bucket ${s3.bucket}`);
  }

  /** The endpoint Prometheus scrapes (`/metrics` on the http port). */
  public get metricsEndpoint(): Endpoint {
    return this.endpoints.http.withPath('/metrics');
  }

  /** Records a scrape job that scrapes this component (see `Prometheus.scrape`); its alert rules select it. */
  public scrapedAs(job: ScrapeJobRef): void {
    if (!this.scrapeJobs.some((j) => j.jobName === job.jobName)) this.scrapeJobs.push(job);
  }

  /** Loki's alert rules (selecting the jobs that scrape it; none while nothing does) and the backends dashboard. */
  public observability(): ObservabilityContent {
    return { dashboards: [defaultDashboard('backends')], ruleSets: this.scrapeJobs.length > 0 ? { loki: lokiAlerts({ job: this.scrapeJobs }) } : {} };
  }
}
