import { stringifyYaml } from '../../lib/yaml-writer';
import { S3BucketOptions } from '../../lib/storage';
import { Duration } from '../../lib/values';
import { LOKI_DEFAULT_RETENTION, LOKI_DEFAULT_SCHEMA_FROM, LOKI_RETENTION_FOREVER } from './options';

/**
 * The Loki 3.7.x configuration file, built as a typed object by a pure
 * function so it can be asserted exactly in tests. Every key below is one the
 * pinned release accepts (loki v3.7.6 docs/sources/shared/configuration.md).
 */

/** HTTP port (API, `/ready`, `/otlp/v1/logs`, `/loki/api/v1/push`). Loki's default. */
export const LOKI_HTTP_PORT = 3100;
/** gRPC port (ingester/querier traffic inside the single binary). Loki's default. */
export const LOKI_GRPC_PORT = 9095;
/** `common.path_prefix`: WAL, TSDB index caches, compactor markers, local chunks; the PVC mount. */
export const LOKI_DATA_DIR = '/var/loki';
/** Directory the ConfigMap is mounted at. */
export const LOKI_CONFIG_DIR = '/etc/loki/config';
/** File name of the config inside {@link LOKI_CONFIG_DIR}. */
export const LOKI_CONFIG_FILE_NAME = 'config.yaml';
/** Full path passed as `-config.file`. */
export const LOKI_CONFIG_PATH = `${LOKI_CONFIG_DIR}/${LOKI_CONFIG_FILE_NAME}`;
/** Loki's default `limits_config.reject_old_samples_max_age` (1w), in seconds. */
const DEFAULT_REJECT_OLD_SAMPLES_MAX_AGE_SECONDS = 7 * 24 * 3600;
/** The tenant header Loki reads when `auth_enabled: true`. */
export const LOKI_TENANT_HEADER = 'X-Scope-OrgID';

/**
 * Query-path sizes as upstream deploys Loki (its defaults, 30 s and 4 MiB,
 * cut long queries and large results short):
 * - HTTP read/write timeouts 600 s and `limits_config.query_timeout` 300 s:
 *   the Helm chart's `loki.server` and `loki.limits_config` (grafana/loki
 *   v3.7.6 production/helm/loki/values.yaml);
 * - gRPC server messages up to 100 MiB: the chart's documented `loki.server`
 *   default (v3.7.6 docs/sources/setup/install/helm/reference.md) and the
 *   jsonnet deployment (production/ksonnet/loki/config.libsonnet
 *   `grpc_server_max_msg_size: 100 << 20`); Loki's gRPC clients already take
 *   100 MiB (configuration.md `grpc_client`), its server only 4 MiB.
 */
export const LOKI_HTTP_SERVER_TIMEOUT = '600s';
export const LOKI_QUERY_TIMEOUT = '300s';
export const LOKI_QUERY_TIMEOUT_SECONDS = 300;
export const LOKI_GRPC_MAX_MSG_BYTES = 100 * 2 ** 20;
/**
 * `ingester.wal.replay_memory_ceiling` as a share of the container memory
 * limit. Loki's default is 4GB whatever the limit, so a WAL replay after an
 * OOM kill under a 1 GiB limit is killed again, for ever. Upstream suggests
 * "~75% of available memory" (docs/sources/operations/storage/wal.md) and its
 * jsonnet "up to ~50%" (production/ksonnet/loki/config.libsonnet); the lower
 * leaves room for the rest of the heap under GOMEMLIMIT (85%).
 */
export const LOKI_WAL_REPLAY_CEILING_SHARE = 0.5;

/** Inputs of {@link lokiConfig}; unset fields take the documented defaults. */
export interface LokiConfigOptions {
  /** Run multi-tenant (`auth_enabled: true`, every request needs `X-Scope-OrgID`). @default false */
  readonly multiTenant?: boolean;
  /** Start date (`YYYY-MM-DD`) of the tsdb/v13 schema period. @default LOKI_DEFAULT_SCHEMA_FROM */
  readonly schemaFrom?: string;
  /** Retention as a Loki duration (≥ 24h), or `'forever'`. @default LOKI_DEFAULT_RETENTION */
  readonly retention?: string;
  /** Store chunks and index in this S3-compatible bucket instead of the local volume. */
  readonly s3?: S3BucketOptions;
  /** Extra OTLP resource attributes to promote to index labels, on top of Loki's defaults. @default [] */
  readonly otlpIndexLabels?: readonly string[];
  /** The container's memory limit in bytes: the WAL replay ceiling is {@link LOKI_WAL_REPLAY_CEILING_SHARE} of it. */
  readonly memoryLimitBytes: number;
}

/** The subset of the Loki configuration this package renders. */
export interface LokiConfig {
  readonly auth_enabled: boolean;
  readonly server: {
    readonly http_listen_port: number;
    readonly grpc_listen_port: number;
    readonly http_server_read_timeout: string;
    readonly http_server_write_timeout: string;
    readonly grpc_server_max_recv_msg_size: number;
    readonly grpc_server_max_send_msg_size: number;
  };
  readonly ingester: { readonly wal: { readonly replay_memory_ceiling: number } };
  readonly common: {
    readonly instance_addr: string;
    readonly path_prefix: string;
    readonly replication_factor: number;
    readonly ring: { readonly kvstore: { readonly store: 'inmemory' } };
    readonly storage?: { readonly filesystem: { readonly chunks_directory: string; readonly rules_directory: string } };
  };
  readonly schema_config: {
    readonly configs: readonly {
      readonly from: string;
      readonly store: 'tsdb';
      readonly object_store: 'filesystem' | 's3';
      readonly schema: 'v13';
      readonly index: { readonly prefix: string; readonly period: '24h' };
    }[];
  };
  readonly storage_config: {
    readonly tsdb_shipper: { readonly active_index_directory: string; readonly cache_location: string };
    readonly aws?: {
      readonly endpoint: string;
      readonly bucketnames: string;
      readonly region: string;
      readonly s3forcepathstyle: boolean;
      readonly insecure: boolean;
    };
  };
  readonly compactor: {
    readonly working_directory: string;
    readonly compaction_interval: string;
    readonly retention_enabled: boolean;
    readonly retention_delete_delay?: string;
    readonly delete_request_store?: 'filesystem' | 's3';
  };
  readonly limits_config: {
    readonly retention_period?: string;
    readonly reject_old_samples: boolean;
    readonly reject_old_samples_max_age: string;
    readonly query_timeout: string;
    readonly allow_structured_metadata: boolean;
    readonly otlp_config?: {
      readonly resource_attributes: {
        readonly attributes_config: readonly { readonly action: 'index_label'; readonly attributes: readonly string[] }[];
      };
    };
  };
  readonly analytics: { readonly reporting_enabled: boolean };
}

/**
 * Builds the Loki single-binary configuration. Pure: same options, same object.
 *
 * - tsdb index, schema v13, 24h index period (required by tsdb, retention and
 *   structured metadata/OTLP);
 * - chunks on the local volume (`filesystem`) or in the S3 bucket (`s3`); no
 *   credentials in the file: the AWS SDK's default chain finds them
 *   (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` env from a Secret, or the
 *   pod's identity: IRSA, workload identity);
 * - query-path timeouts and gRPC message sizes as upstream deploys Loki, and a
 *   WAL replay ceiling under the memory limit;
 * - retention that deletes: `compactor.retention_enabled`, the required
 *   `delete_request_store` (the object store in use) and
 *   `limits_config.retention_period` always go together;
 * - structured metadata on (native OTLP ingestion), analytics reporting off.
 */
export function lokiConfig(options: LokiConfigOptions): LokiConfig {
  const retention = options.retention ?? LOKI_DEFAULT_RETENTION;
  const deletes = retention !== LOKI_RETENTION_FOREVER;
  const objectStore = options.s3 ? 's3' : 'filesystem';
  const labels = options.otlpIndexLabels ?? [];
  const dir = (sub: string) => `${LOKI_DATA_DIR}/${sub}`;

  // Logs older than the retention would be accepted and deleted at the next
  // compaction; reject them at the door instead (never more lenient than Loki's 1w default).
  const retentionSeconds = deletes ? Duration.parse(retention)?.seconds : undefined;
  const rejectOlderThan =
    retentionSeconds !== undefined && retentionSeconds < DEFAULT_REJECT_OLD_SAMPLES_MAX_AGE_SECONDS ? Duration.parse(retention)!.toLoki() : '168h';

  return {
    auth_enabled: options.multiTenant ?? false,
    server: {
      http_listen_port: LOKI_HTTP_PORT,
      grpc_listen_port: LOKI_GRPC_PORT,
      http_server_read_timeout: LOKI_HTTP_SERVER_TIMEOUT,
      http_server_write_timeout: LOKI_HTTP_SERVER_TIMEOUT,
      grpc_server_max_recv_msg_size: LOKI_GRPC_MAX_MSG_BYTES,
      grpc_server_max_send_msg_size: LOKI_GRPC_MAX_MSG_BYTES,
    },
    ingester: { wal: { replay_memory_ceiling: Math.floor(options.memoryLimitBytes * LOKI_WAL_REPLAY_CEILING_SHARE) } },
    common: {
      instance_addr: '127.0.0.1',
      path_prefix: LOKI_DATA_DIR,
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
      ...(options.s3 ? {} : { storage: { filesystem: { chunks_directory: dir('chunks'), rules_directory: dir('rules') } } }),
    },
    schema_config: {
      configs: [
        {
          from: options.schemaFrom ?? LOKI_DEFAULT_SCHEMA_FROM,
          store: 'tsdb',
          object_store: objectStore,
          schema: 'v13',
          index: { prefix: 'index_', period: '24h' },
        },
      ],
    },
    storage_config: {
      tsdb_shipper: { active_index_directory: dir('tsdb-shipper-active'), cache_location: dir('tsdb-shipper-cache') },
      ...(options.s3
        ? {
            aws: {
              endpoint: options.s3.endpoint,
              bucketnames: options.s3.bucket,
              region: options.s3.region ?? 'us-east-1',
              s3forcepathstyle: options.s3.forcePathStyle ?? true,
              insecure: options.s3.insecure ?? false,
            },
          }
        : {}),
    },
    compactor: {
      working_directory: dir('compactor'),
      compaction_interval: '10m',
      retention_enabled: deletes,
      ...(deletes ? { retention_delete_delay: '2h', delete_request_store: objectStore } : {}),
    },
    limits_config: {
      ...(deletes ? { retention_period: Duration.parse(retention)!.toLoki() } : {}),
      reject_old_samples: true,
      reject_old_samples_max_age: rejectOlderThan,
      query_timeout: LOKI_QUERY_TIMEOUT,
      allow_structured_metadata: true,
      ...(labels.length > 0
        ? { otlp_config: { resource_attributes: { attributes_config: [{ action: 'index_label' as const, attributes: [...labels] }] } } }
        : {}),
    },
    analytics: { reporting_enabled: false },
  };
}

/**
 * Serializes the config to YAML. Loki reads it as written: it runs without
 * `-config.expand-env`, so no value (a credential least of all) is
 * substituted into the text before it is parsed.
 */
export function renderLokiConfig(config: LokiConfig): string {
  return stringifyYaml(config);
}
