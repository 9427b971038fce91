import { Construct } from 'constructs';
import { ComponentProps, resolveNamespace } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { IMAGES, imageVersion } from '../../lib/images';
import { ComponentIdentity } from '../../lib/naming';
import { resolveResources, Resources, resourceRules, ResourcesOverride } from '../../lib/resources';
import { s3CredentialEnv, StorageOptions, storageRules } from '../../lib/storage';
import { is, Rule, validate } from '../../lib/validation';
import { httpProbe, Workload } from '../../lib/workload';
import {
  isOtelAttributeName,
  isPastOrTodayDate,
  isTenantId,
  LOKI_CONFIG_DIR,
  LOKI_CONFIG_FILE_NAME,
  LOKI_CONFIG_PATH,
  LOKI_DATA_DIR,
  LOKI_DEFAULT_RETENTION,
  LOKI_DEFAULT_SCHEMA_FROM,
  LOKI_GRPC_PORT,
  LOKI_HTTP_PORT,
  LOKI_MIN_RETENTION_SECONDS,
  LOKI_RETENTION_FOREVER,
  LOKI_TENANT_HEADER,
  lokiConfig,
  parseLokiDuration,
  renderLokiConfig,
} from './config';
import { backendsDashboard } from '../../dashboards/backends';
import { lokiAlerts } from '../../dashboards/alerts/loki';
import { Observable, ObservabilityContent } from '../../lib/observability';

/** Default compute resources of the Loki single binary (small clusters). */
export const LOKI_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};

/** Default size of the data PVC (`/var/loki`). */
export const LOKI_DEFAULT_VOLUME_SIZE = '10Gi';

/** The Loki image runs as `USER 10001` (cmd/loki/Dockerfile). */
const RUN_AS = { user: 10001, group: 10001 };

/**
 * StatefulSet names must leave room for the `controller-revision-hash` label
 * (`<name>-<10-char hash>`, at most 63 characters).
 */
const MAX_NAME_LENGTH = 52;

export interface LokiProps extends ComponentProps {
  /**
   * Compute resources of the Loki container; unset fields keep the defaults.
   * @default requests 100m CPU / 256Mi memory, limits 1 CPU / 1Gi memory
   */
  readonly resources?: ResourcesOverride;
  /**
   * Where logs are stored. The PVC at `/var/loki` always exists (WAL, TSDB
   * index caches, compactor retention markers); without `s3` it also holds
   * the chunks and index. With `s3` chunks and index go to the bucket and the
   * credentials are read from the referenced Secret keys.
   * @default a 10Gi PVC on the default StorageClass, no bucket
   */
  readonly storage?: StorageOptions;
  /**
   * How long logs are kept before the compactor deletes them, as a Loki
   * duration: units y (365d), w, d, h, m, s, ms from largest to smallest, each
   * at most once (e.g. `'744h'`, `'30d'`, `'4w'`, `'1y'`). Loki's minimum
   * retention is 24h, so shorter values are refused rather than left to
   * misbehave. Setting this always enables compactor retention with the
   * matching delete-request store, so it is never silently ignored.
   *
   * `'forever'` explicitly disables deletion: the compactor only compacts and
   * logs are kept until the volume or bucket is full.
   * @default '744h' (31 days)
   */
  readonly retention?: string;
  /**
   * Run Loki multi-tenant (`auth_enabled: true`) and use this tenant ID for
   * the package's own collectors and Grafana data source, which must then send
   * `X-Scope-OrgID: <tenant>` (see {@link Loki.tenantHeaders}). Allowed: 1-150
   * of `A-Z a-z 0-9 ! - _ . * ' ( )`, not `.` or `..`.
   *
   * Switching between single- and multi-tenant mode hides existing data: in
   * single-tenant mode Loki stores everything under the tenant `fake`.
   * @default single tenant (`auth_enabled: false`, no header needed)
   */
  readonly tenant?: string;
  /**
   * Start date (`YYYY-MM-DD`, UTC) of the tsdb / schema v13 period. Loki cannot
   * store logs timestamped before it, so it must not be in the future; and it
   * must never change once data has been written.
   * @default '2024-04-01'
   */
  readonly schemaFrom?: string;
  /**
   * Extra OTLP resource attributes promoted to index labels, added to Loki's
   * default list (service.name, k8s.namespace.name, k8s.pod.name, ...). All
   * other attributes are stored as structured metadata. Each label adds
   * cardinality; Loki rejects streams with more than 15 labels.
   * @default [] (Loki's defaults only)
   */
  readonly otlpIndexLabels?: readonly string[];
}

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
export class Loki extends Construct implements Observable {
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
    validate(`${scope.node.path ? `${scope.node.path}/` : ''}${id}`, lokiRules(props, resources));

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
    });

    this.workload = new Workload(this, 'workload', {
      identity: this.identity,
      kind: 'StatefulSet',
      image: IMAGES.loki,
      runAs: RUN_AS,
      args: [`-config.file=${LOKI_CONFIG_PATH}`, '-target=all', ...(s3 ? ['-config.expand-env=true'] : [])],
      env: s3 ? s3CredentialEnv(s3) : undefined,
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
  }

  /** Loki's alert rules (scraped as job `<name>`) and the backends dashboard. */
  public observability(): ObservabilityContent {
    return { dashboards: [backendsDashboard()], ruleSets: { loki: lokiAlerts({ job: this.name }) } };
  }

}

/** The validation table of {@link LokiProps}. */
function lokiRules(props: LokiProps, resources: Resources): Rule[] {
  const isForever = (v: string) => v === LOKI_RETENTION_FOREVER;
  const labels = props.otlpIndexLabels;
  return [
    {
      field: 'loki.name',
      value: props.name,
      ok: (v: string) => is.dnsLabel(v) && v.length <= MAX_NAME_LENGTH,
      allowed: `${is.dnsLabelAllowed.replace('at most 63', `at most ${MAX_NAME_LENGTH}`)} (StatefulSet name)`,
    },
    {
      field: 'loki.namespace',
      value: props.namespace,
      ok: (v: unknown) => typeof v === 'string' && v.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v),
      allowed: 'a namespace name: lower-case letters, digits and "-", alphanumeric at both ends, at most 63 characters',
    },
    {
      field: 'loki.retention',
      value: props.retention,
      ok: (v: unknown) => typeof v === 'string' && (isForever(v) || parseLokiDuration(v) !== undefined),
      allowed:
        'a Loki duration with units y, w, d, h, m, s, ms from largest to smallest, each at most once (e.g. "744h", "30d", "4w", "1y"), ' +
        `or "${LOKI_RETENTION_FOREVER}" to disable deletion`,
    },
    {
      field: 'loki.retention',
      value: props.retention,
      // Only judged when the syntax rule passed.
      ok: (v: string) => isForever(v) || parseLokiDuration(v) === undefined || parseLokiDuration(v)! >= LOKI_MIN_RETENTION_SECONDS,
      allowed: `at least "24h" (Loki's minimum retention period and its index period), or "${LOKI_RETENTION_FOREVER}"`,
    },
    {
      field: 'loki.schemaFrom',
      value: props.schemaFrom,
      ok: (v: unknown) => typeof v === 'string' && isPastOrTodayDate(v),
      allowed: 'a date "YYYY-MM-DD" no later than today (UTC); Loki cannot store logs before the first schema period',
    },
    {
      field: 'loki.tenant',
      value: props.tenant,
      ok: isTenantId,
      allowed: 'a Loki tenant ID: 1-150 characters from A-Z a-z 0-9 ! - _ . * \' ( ), not "." or ".."',
    },
    {
      field: 'loki.otlpIndexLabels',
      value: labels,
      ok: (v: unknown) => Array.isArray(v) && new Set(v).size === v.length,
      allowed: 'a list of distinct OTLP resource attribute names',
    },
    ...(Array.isArray(labels) ? labels : []).map((l, i) => ({
      field: `loki.otlpIndexLabels[${i}]`,
      value: l,
      required: true,
      ok: isOtelAttributeName,
      allowed: 'an OTLP resource attribute name such as "k8s.node.name": letters, digits, "_", "." or "-", starting with a letter or "_"',
    })),
    ...resourceRules('loki.resources', props.resources, resources),
    ...storageRules('loki.storage', props.storage),
    ...(props.storage?.s3
      ? [
          { field: 'loki.storage.s3.insecure', value: props.storage.s3.insecure, ok: (v: unknown) => typeof v === 'boolean', allowed: 'true or false' },
          {
            field: 'loki.storage.s3.forcePathStyle',
            value: props.storage.s3.forcePathStyle,
            ok: (v: unknown) => typeof v === 'boolean',
            allowed: 'true or false',
          },
        ]
      : []),
  ];
}
