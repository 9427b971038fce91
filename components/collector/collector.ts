import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { COLLECTOR_APP, CollectorConfig, HEALTH_CHECK_PORT_NAME } from '../../lib/collector';
import { NetworkEnd } from '../../lib/network';
import { Endpoint } from '../../lib/endpoint';
import { IMAGES, imageVersion } from '../../lib/images';
import { childName, clusterScoped, ComponentIdentity, standardLabels } from '../../lib/naming';
import { goMemLimitShare, Resources } from '../../lib/resources';
import { ValidationError } from '../../lib/validation';
import { Duration } from '../../lib/values';
import { httpProbe, Workload, WorkloadProps } from '../../lib/workload';
import { COLLECTOR_QUEUE_DIR, DurableQueue } from './queue';

/** How a collector runs: one pod per node (DaemonSet) or a set of replicas (Deployment). */
export type CollectorMode = 'Deployment' | 'DaemonSet';
export const COLLECTOR_MODES: readonly CollectorMode[] = ['Deployment', 'DaemonSet'];


/** The image runs as uid/gid 10001 (releases v0.159.0 distributions/otelcol-contrib/Dockerfile). */
export const COLLECTOR_RUN_AS = { user: 10001, group: 10001 };
/** Where the config is mounted; the image's ENTRYPOINT is `/otelcol-contrib`, so `--config` is passed as an arg. */
export const COLLECTOR_CONFIG_DIR = '/etc/otelcol-contrib';
export const COLLECTOR_CONFIG_FILE = 'config.yaml';
/** Root of the directories Secret files are mounted under. */
export const COLLECTOR_SECRETS_DIR = '/etc/otelcol-secrets';

/** A Secret projected as files into the collector (certificates, token files). */
export interface SecretMount {
  /** Volume name (also the directory under {@link COLLECTOR_SECRETS_DIR}). */
  readonly volume: string;
  readonly secretName: string;
  /** Secret keys and the file names they appear under. */
  readonly items: readonly { readonly key: string; readonly path: string }[];
}

/** The path a {@link SecretMount} item is mounted at. */
export function secretFilePath(volume: string, fileName: string): string {
  return `${COLLECTOR_SECRETS_DIR}/${volume}/${fileName}`;
}

const API_SERVER: NetworkEnd = { kind: 'external', role: 'apiServer' };

/** Env var that lets a pod read its node name (downward API). */
export function nodeNameEnv(name: string): k8s.EnvVar {
  return { name, valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } };
}

/**
 * `GOMEMLIMIT` at 80% of the memory limit (the memory_limiter README's
 * recommendation), in MiB.
 */
export function goMemLimit(resources: Resources): string {
  return goMemLimitShare(resources, 0.8);
}

export interface OtelCollectorProps {
  /** Stable name: Service, ServiceAccount, workload and `<name>-config`. */
  readonly name: string;
  readonly namespace: string;
  /** `app.kubernetes.io/component` (e.g. `logs-collector`). */
  readonly component: string;
  readonly mode: CollectorMode;
  /** The config model; it is validated, rendered and frozen here. */
  readonly config: CollectorConfig;
  readonly resources: Resources;
  /** Deployment replicas (ignored for DaemonSets). @default 1 */
  readonly replicas?: number;
  readonly env?: k8s.EnvVar[];
  readonly secretMounts?: readonly SecretMount[];
  /**
   * Kubernetes API permissions (cluster-wide). When set, a ClusterRole and
   * ClusterRoleBinding `<namespace>-<name>` are rendered and the service account
   * token is mounted; otherwise the pod gets no token.
   */
  readonly clusterRules?: readonly k8s.PolicyRule[];
  readonly service?: WorkloadProps['service'];
  /**
   * A volume for the exporters' persistent queue, mounted at
   * {@link COLLECTOR_QUEUE_DIR}: an emptyDir (its size limit), or a PVC per
   * replica (the collector is then a StatefulSet; mode must be Deployment).
   * @default none (queues in memory)
   */
  readonly queue?: DurableQueue;
  /** See `WorkloadProps.deploymentStrategy`. @default 'RollingUpdate' */
  readonly deploymentStrategy?: WorkloadProps['deploymentStrategy'];
  /** See `WorkloadProps.daemonSetRollout`. @default 'replace' */
  readonly daemonSetRollout?: WorkloadProps['daemonSetRollout'];
  /** Pod tolerations. @default none */
  readonly tolerations?: k8s.Toleration[];
}

/** Default per-attempt timeouts of the exporters this package renders (v0.159.0 factories: otlphttp 30 s; exporterhelper 5 s). */
const EXPORTER_DEFAULT_TIMEOUT_S: Record<string, number> = { otlp_http: 30, otlp_grpc: 5, prometheus_remote_write: 5 };

/** Seconds of a rendered duration (`5s`, `1h30m`); undefined when unset. */
function goSeconds(d: unknown): number | undefined {
  return Duration.parse(d)?.seconds;
}

/**
 * How long one attempt of an exporter may take. The remote-write exporter's
 * top-level `timeout` bounds its whole retry loop (see
 * `prometheusRemoteWriteExporter`); one of its requests is bounded by
 * `http.timeout`.
 */
function attemptSeconds(type: string, e: Record<string, any>): number {
  const perAttempt = type === 'prometheus_remote_write' ? e.http?.timeout : e.timeout;
  return goSeconds(perAttempt) ?? EXPORTER_DEFAULT_TIMEOUT_S[type] ?? 5;
}

/**
 * The termination grace period of a collector: long enough to flush. On
 * SIGTERM the collector stops its receivers, the batch processor sends its
 * last batch (at most its `timeout` later), retries stop and the sending
 * queues drain, `num_consumers` requests at a time, each attempt bounded by
 * the exporter's timeout. A queue that keeps up holds less than one round:
 * two rounds of the slowest exporter, plus the batch timeout and 10 s for the
 * rest of the shutdown, are given (never less than Kubernetes' default 30 s).
 * A queue backed up by an outage cannot drain in any grace period; that is
 * what the persistent queue is for (it keeps unsent batches on its volume).
 */
export function collectorTerminationGraceSeconds(config: Record<string, any>): number {
  const exporters = Object.entries<Record<string, unknown>>(config.exporters ?? {});
  const slowest = Math.max(0, ...exporters.map(([id, e]) => attemptSeconds(id.split('/')[0], e)));
  const batch = Math.max(0, ...Object.entries<Record<string, unknown>>(config.processors ?? {}).filter(([id]) => id.split('/')[0] === 'batch').map(([, p]) => goSeconds(p.timeout) ?? 0.2));
  return Math.max(30, Math.ceil(batch + 2 * slowest + 10));
}

/**
 * One OpenTelemetry collector (otel/opentelemetry-collector-contrib) built
 * from a {@link CollectorConfig}: ports come from the config's components, the
 * health_check extension backs the probes, the self-metrics reader port is
 * announced with `prometheus.io/*` pod annotations, and RBAC is rendered only
 * for collectors that call the Kubernetes API.
 */
export class OtelCollector extends Construct {
  public readonly identity: ComponentIdentity;
  public readonly workload: Workload;
  /** The (frozen) config model. */
  public readonly config: CollectorConfig;
  /** The rendered config file. */
  public readonly configYaml: string;
  /** The ClusterRole, when the collector needs API access. */
  public readonly clusterRole?: k8s.KubeClusterRole;

  constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    const where = props.name;
    this.config = props.config;
    this.configYaml = props.config.toYaml(where);
    props.config.freeze(where);

    const ports = props.config.ports;
    if (!ports.some((p) => p.name === HEALTH_CHECK_PORT_NAME)) {
      throw new ValidationError([{ field: 'config', value: undefined, allowed: `a collector config with the health_check extension (port "${HEALTH_CHECK_PORT_NAME}"), which the probes need` }], `OtelCollector props (${props.name})`);
    }
    const telemetry = props.config.telemetryPort;

    this.identity = {
      name: props.name,
      app: COLLECTOR_APP,
      component: props.component,
      version: imageVersion(IMAGES.otelCollectorContrib),
      namespace: props.namespace,
    };
    const needsApi = (props.clusterRules ?? []).length > 0;
    const pvc = props.queue?.storage === 'persistentVolumeClaim';
    if (pvc && props.mode !== 'Deployment') {
      throw new ValidationError([{ field: 'queue.storage', value: 'persistentVolumeClaim', allowed: '"emptyDir" or "memory" in DaemonSet mode (a PVC per replica needs a StatefulSet)' }], `OtelCollector props (${props.name})`);
    }

    this.workload = new Workload(this, 'workload', {
      identity: this.identity,
      kind: pvc ? 'StatefulSet' : props.mode,
      image: IMAGES.otelCollectorContrib,
      runAs: COLLECTOR_RUN_AS,
      args: [`--config=${COLLECTOR_CONFIG_DIR}/${COLLECTOR_CONFIG_FILE}`],
      env: [{ name: 'GOMEMLIMIT', value: goMemLimit(props.resources) }, ...(props.env ?? [])],
      ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, path: p.path, expose: p.expose })),
      configFiles: [{ fileName: COLLECTOR_CONFIG_FILE, content: this.configYaml }],
      configMountPath: COLLECTOR_CONFIG_DIR,
      extraVolumes: (props.secretMounts ?? []).map((s) => ({
        volume: {
          name: s.volume,
          secret: { secretName: s.secretName, items: s.items.map((i) => ({ key: i.key, path: i.path })), defaultMode: 0o440 },
        },
        mount: { name: s.volume, mountPath: `${COLLECTOR_SECRETS_DIR}/${s.volume}`, readOnly: true },
      })),
      scratch: props.queue?.storage === 'emptyDir' ? [{ name: 'queue', mountPath: COLLECTOR_QUEUE_DIR, sizeLimit: props.queue.size }] : undefined,
      persistence: pvc ? { name: 'queue', mountPath: COLLECTOR_QUEUE_DIR, size: props.queue!.size, storageClassName: props.queue!.storageClassName } : undefined,
      resources: props.resources,
      readinessProbe: httpProbe('/', HEALTH_CHECK_PORT_NAME),
      livenessProbe: httpProbe('/', HEALTH_CHECK_PORT_NAME, { initialDelaySeconds: 10 }),
      replicas: props.mode === 'Deployment' ? props.replicas ?? 1 : undefined,
      automountServiceAccountToken: needsApi,
      service: props.service,
      terminationGracePeriodSeconds: collectorTerminationGraceSeconds(props.config.toObject(where)),
      deploymentStrategy: props.deploymentStrategy,
      daemonSetRollout: props.daemonSetRollout,
      tolerations: props.tolerations,
      podAnnotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(telemetry.port),
        'prometheus.io/path': telemetry.path ?? '/metrics',
      },
    });

    if (needsApi) {
      this.workload.connections.allowTo(API_SERVER, [], `${props.name} watches the Kubernetes API`);
      const metadata = { name: childName(props.namespace, props.name), labels: standardLabels(this.identity) };
      this.clusterRole = clusterScoped(new k8s.KubeClusterRole(this, 'cluster-role', { metadata, rules: [...(props.clusterRules ?? [])] }));
      clusterScoped(
        new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
          metadata,
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: metadata.name },
          subjects: [{ kind: 'ServiceAccount', name: this.workload.serviceAccountName, namespace: props.namespace }],
        }),
      );
    }
  }

  /** The Service name. */
  public get serviceName(): string {
    return this.workload.serviceName;
  }

  /** The typed endpoint of one of the collector's exposed ports. */
  public endpoint(portName: string): Endpoint {
    return this.workload.endpoint(portName);
  }
}
