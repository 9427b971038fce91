/**
 * The sending queue of the multi-cluster hop, on disk.
 *
 * Exporters from a workload cluster to the telemetry gateway, and the
 * gateway's exporters to Loki, Tempo and Prometheus, keep their queue in a
 * `file_storage` extension (bbolt files) on a volume: an emptyDir by default
 * (it survives a collector crash or restart, not the pod's deletion), or a
 * PersistentVolumeClaim per replica (the collector becomes a StatefulSet; the
 * queue survives rescheduling too).
 *
 * ## The arithmetic
 *
 * With a volume of `size` bytes shared by `q` queues (one per exporter and
 * signal: 1 for a signal collector, 3 for the gateway and for an agent that
 * dials the gateway itself):
 *
 * - 10% of the volume stays free (bbolt's meta pages and free-list, the
 *   emptyDir's `sizeLimit` is never reached, so the kubelet never evicts);
 * - each queue file may grow to `maxFileBytes = 0.9 × size / q`
 *   (`file_storage.max_size`; past it a write fails as "storage full" and
 *   the batch is refused and counted in `otelcol_exporter_enqueue_failed_*`);
 * - each queue holds `queueBytes = maxFileBytes / 2` of serialized data
 *   (`sending_queue.queue_size` with `sizer: bytes`): bbolt reuses freed
 *   pages but may need to grow for large values while the free pages are
 *   fragmented, so half of the file is kept for that.
 *
 * An outage of `T` seconds loses nothing when (1) each batch is retried for at
 * least `T` (`maxOutage`, `retry_on_failure.max_elapsed_time`; the default 1h
 * is six times the 10 minutes a management-cluster outage must be survived)
 * and (2) a queue takes in at most `queueBytes / T` per second meanwhile.
 * With the defaults: a workload cluster's signal collector (2Gi, one queue)
 * holds 0.9 × 2 GiB / 2 = 921.6 MiB, which is 10 minutes at 1.5 MiB/s of
 * OTLP (uncompressed protobuf; about 1500 spans or log records of 1 KiB per
 * second); the gateway (8Gi, three queues) holds 1.2 GiB per signal, 10
 * minutes at 2 MiB/s per signal for all clusters together. Size the volume
 * as `size ≥ q × 2 × rate × T / 0.9`.
 */
import { Duration, DURATION_PATTERN, durationRangeAllowed, QUANTITY_PATTERN } from '../../lib/values';
import { DNS1123_SUBDOMAIN_ALLOWED, DNS1123_SUBDOMAIN_PATTERN } from '../../lib/values';
import { quantityBytes } from '../../lib/resources';
import { Enum, Obj, Opt, Static, Str } from '../../lib/schema';
import { Rule } from '../../lib/validation';
import { PersistentQueue } from './config';

/** Where a sending queue is kept. */
export const QUEUE_STORAGES = ['memory', 'emptyDir', 'persistentVolumeClaim'] as const;
export type QueueStorage = (typeof QUEUE_STORAGES)[number];

/** Where the queue volume is mounted in the collector. */
export const COLLECTOR_QUEUE_DIR = '/var/lib/otelcol/queue';
/** Share of the volume the queue files may use. */
export const QUEUE_VOLUME_SHARE = 0.9;
/** Share of a queue file the queue's own byte limit uses. */
export const QUEUE_FILE_SHARE = 0.5;
/** The shortest outage a durable hop must survive (the 10 minutes). */
export const MIN_QUEUE_OUTAGE = Duration.parse('10m')!;
/** The smallest queue volume (a few batches of 10,000 items per queue). */
export const MIN_QUEUE_VOLUME = '64Mi';
/** Default `maxOutage`. */
export const DEFAULT_QUEUE_OUTAGE = '1h';
/** Default volume of a workload cluster's collector. */
export const DEFAULT_COLLECTOR_QUEUE_SIZE = '2Gi';
/** Default volume of a telemetry gateway replica (it carries every cluster). */
export const DEFAULT_GATEWAY_QUEUE_SIZE = '8Gi';

/** The options of a durable sending queue, defined once (`collectors.gatewayQueue`, `telemetryGateway.queue` and the constructs' `queue` prop). */
export function sendingQueueOptions(defaultSize: string, doc: string) {
  return Obj(
    {
      storage: Opt(
        Enum(QUEUE_STORAGES, {
          doc: 'memory (lost on restart), emptyDir (survives a collector restart, not the pod) or persistentVolumeClaim (one per replica, a StatefulSet; survives rescheduling).',
          default: 'emptyDir',
        }),
      ),
      size: Opt(
        Str(QUANTITY_PATTERN, `a Kubernetes quantity of at least "${MIN_QUEUE_VOLUME}", such as "2Gi"`, {
          doc: 'Size of the queue volume (emptyDir size limit or PVC size), shared by the queues of the exporters (see README "Durable multi-cluster hop").',
          default: defaultSize,
        }),
      ),
      storageClassName: Opt(Str(DNS1123_SUBDOMAIN_PATTERN, `a StorageClass name (${DNS1123_SUBDOMAIN_ALLOWED})`, { maxLength: 253, doc: "StorageClass of the PVC; the cluster's default when unset." })),
      maxOutage: Opt(
        Str(DURATION_PATTERN, durationRangeAllowed(MIN_QUEUE_OUTAGE, 'the outage of the receiving side a durable hop survives'), {
          doc: 'How long each batch is retried (retry_on_failure.max_elapsed_time): the longest outage of the receiving side that loses nothing, if the queue holds what arrives meanwhile.',
          default: DEFAULT_QUEUE_OUTAGE,
        }),
      ),
    },
    { doc },
  );
}
export const SENDING_QUEUE_OPTIONS = sendingQueueOptions(DEFAULT_COLLECTOR_QUEUE_SIZE, 'The sending queue of the exporters.');
export type SendingQueueOptions = Static<typeof SENDING_QUEUE_OPTIONS>;

/** The rules of a queue the schema cannot express, under `path`. */
export function queueRules(path: string, q: SendingQueueOptions | undefined): Rule[] {
  if (!q) return [];
  return [
    {
      field: `${path}.size`,
      value: q.size,
      ok: (v: string) => quantityBytes(v) >= quantityBytes(MIN_QUEUE_VOLUME),
      allowed: `a Kubernetes quantity of at least "${MIN_QUEUE_VOLUME}", such as "2Gi" (it holds the queue files)`,
    },
    { field: `${path}.maxOutage`, value: q.maxOutage, ok: (v: string) => (Duration.parse(v)?.ms ?? 0) >= MIN_QUEUE_OUTAGE.ms, allowed: durationRangeAllowed(MIN_QUEUE_OUTAGE, 'the outage of the receiving side a durable hop survives') },
    {
      field: `${path}.size`,
      value: q.storage === 'memory' ? q.size : undefined,
      ok: () => false,
      allowed: 'unset with storage "memory" (no volume)',
    },
    {
      field: `${path}.storageClassName`,
      value: q.storage !== 'persistentVolumeClaim' ? q.storageClassName : undefined,
      ok: () => false,
      allowed: 'unset unless storage is "persistentVolumeClaim"',
    },
  ];
}

/** A resolved durable queue: the volume the collector mounts and the exporters' settings. */
export interface DurableQueue {
  readonly storage: Exclude<QueueStorage, 'memory'>;
  readonly size: string;
  readonly storageClassName?: string;
  /** The exporters' settings. */
  readonly queue: PersistentQueue;
}

/**
 * The queue arithmetic (see the module comment): `queues` queue files share
 * the volume. Returns undefined for a queue kept in memory.
 */
export function durableQueue(o: SendingQueueOptions | undefined, defaultSize: string, queues: number): DurableQueue | undefined {
  const storage = o?.storage ?? 'emptyDir';
  if (storage === 'memory') return undefined;
  const size = o?.size ?? defaultSize;
  const maxFileBytes = Math.floor((quantityBytes(size) * QUEUE_VOLUME_SHARE) / queues);
  return {
    storage,
    size,
    storageClassName: o?.storageClassName,
    queue: {
      directory: COLLECTOR_QUEUE_DIR,
      maxFileBytes,
      queueBytes: Math.floor(maxFileBytes * QUEUE_FILE_SHARE),
      retryFor: Duration.parse(o?.maxOutage ?? DEFAULT_QUEUE_OUTAGE)!.toGo(),
    },
  };
}
