import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONFIG_CHECKSUM_ANNOTATION, configChecksum } from './checksum';
import { Endpoint, EndpointProtocol } from './endpoint';
import { ImageRef, imageString } from './images';
import { childName, ComponentIdentity, selectorLabels, standardLabels } from './naming';
import { Connections, NetworkWiring } from './network/model';
import { Resources, toResourceRequirements } from './resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, RunAs } from './security';
import { ValidationError } from './validation';

/**
 * The shared pod/Service builder behind every component. It renders, with
 * stable names derived from the component identity:
 *
 * - a ServiceAccount (`<name>`; token automount only when the pod talks to the API),
 * - a ConfigMap (`<name>-config`) with the config files, mounted read-only,
 * - a Service (`<name>`) whose ports are derived from {@link PortSpec}s,
 * - for StatefulSets a headless governing Service (`<name>-headless`),
 * - the StatefulSet / Deployment / DaemonSet itself, meeting the restricted
 *   Pod Security Standard, with explicit resources, probes, a read-only root
 *   filesystem (writable paths are emptyDirs or PVCs) and a config checksum
 *   annotation so that config changes roll the pods;
 * - with more than one replica, a PodDisruptionBudget (`<name>`, at most one
 *   pod down at a time, unhealthy pods always evictable) and topology spread
 *   over zones and nodes;
 * - its {@link Connections}: the network edges wiring code records, from
 *   which the NetworkPolicies are derived.
 */

export type WorkloadKind = 'StatefulSet' | 'Deployment' | 'DaemonSet';

/** One port the container listens on. The Service port equals the container port. */
export interface PortSpec {
  /** IANA-style port name (max 15 chars), also the Service port name. */
  readonly name: string;
  readonly port: number;
  readonly protocol: EndpointProtocol;
  /** Base path for HTTP endpoints. */
  readonly path?: string;
  /** Whether the Service exposes this port. @default true */
  readonly expose?: boolean;
}

/** A config file rendered into the component's ConfigMap. */
export interface ConfigFile {
  /** Key in the ConfigMap and file name in the mount directory. */
  readonly fileName: string;
  /**
   * The file content, or a function that renders it at synthesis time. Use a
   * function when the component still accepts additions after construction
   * (e.g. `Prometheus.addScrapeConfig`); the checksum then follows the final content.
   */
  readonly content: string | (() => string);
}

/** A writable directory backed by an emptyDir. */
export interface ScratchDir {
  readonly name: string;
  readonly mountPath: string;
  /** @default '1Gi' */
  readonly sizeLimit?: string;
}

/** A PVC per replica (StatefulSet only). */
export interface PersistentDir {
  readonly name: string;
  readonly mountPath: string;
  readonly size: string;
  /** @default the cluster's default StorageClass */
  readonly storageClassName?: string;
}

export interface WorkloadProps {
  readonly identity: ComponentIdentity;
  readonly kind: WorkloadKind;
  readonly image: ImageRef;
  readonly runAs: RunAs;
  readonly args?: string[];
  readonly env?: k8s.EnvVar[];
  readonly ports: PortSpec[];
  /** Files placed in `<name>-config` and mounted at {@link configMountPath}. */
  readonly configFiles?: ConfigFile[];
  /** @default '/etc/<app>' */
  readonly configMountPath?: string;
  readonly scratch?: ScratchDir[];
  /** Persistent storage; requires kind StatefulSet. */
  readonly persistence?: PersistentDir;
  /** Extra volumes and their mounts (e.g. ConfigMaps of dashboards, Secrets with certificates). */
  readonly extraVolumes?: { volume: k8s.Volume; mount: k8s.VolumeMount }[];
  readonly resources: Resources;
  readonly readinessProbe: k8s.Probe;
  readonly livenessProbe?: k8s.Probe;
  readonly startupProbe?: k8s.Probe;
  /** @default 1 (ignored for DaemonSets) */
  readonly replicas?: number;
  /** Mount a service account token (only for pods that call the Kubernetes API). @default false */
  readonly automountServiceAccountToken?: boolean;
  /** Service tweaks. */
  readonly service?: {
    readonly type?: 'ClusterIP' | 'LoadBalancer' | 'NodePort';
    readonly internalTrafficPolicy?: 'Cluster' | 'Local';
    readonly annotations?: Record<string, string>;
  };
  /**
   * Extra content that should roll the pods when it changes (beyond configFiles).
   * A function entry is called at synthesis time and its result is hashed.
   */
  readonly checksumInputs?: unknown[];
  readonly podAnnotations?: Record<string, string>;
  /** @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * How a Deployment replaces its pods: `RollingUpdate` starts a new pod
   * before stopping an old one (maxSurge 1, maxUnavailable 0); `Recreate`
   * stops the old pods first (for pods that must never run twice at once,
   * such as a scraper). @default 'RollingUpdate'
   */
  readonly deploymentStrategy?: 'RollingUpdate' | 'Recreate';
  /**
   * How a DaemonSet replaces the pod of a node: `surge` starts the new pod
   * before stopping the old one (maxSurge 1, maxUnavailable 0), so the node
   * is never without one; `replace` stops the old pod first (maxSurge 0,
   * maxUnavailable 1), so two never run at once. @default 'replace'
   */
  readonly daemonSetRollout?: 'surge' | 'replace';
  /** Pod tolerations. @default none */
  readonly tolerations?: k8s.Toleration[];
}

/** Topology keys replicated pods are spread over (zones first, then nodes). */
export const SPREAD_TOPOLOGY_KEYS = ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'] as const;

export class Workload extends Construct {
  public readonly identity: ComponentIdentity;
  public readonly serviceName: string;
  public readonly serviceAccountName: string;
  public readonly configMapName?: string;
  public readonly ports: readonly PortSpec[];
  /** The workload API object (StatefulSet, Deployment or DaemonSet). */
  public readonly workload: ApiObject;
  public readonly service: k8s.KubeService;
  /** The network edges of this workload (see `lib/network`). */
  public readonly connections: Connections;
  /** The PodDisruptionBudget, for workloads with more than one replica. */
  public readonly disruptionBudget?: k8s.KubePodDisruptionBudget;
  private readonly checksumOf: () => string;
  /** The pod's volumes and the container's mounts; {@link addVolume} appends to them until synthesis. */
  private readonly podVolumes: k8s.Volume[];
  private readonly podMounts: k8s.VolumeMount[];

  constructor(scope: Construct, id: string, props: WorkloadProps) {
    // Validate before this construct joins the tree.
    if (props.persistence && props.kind !== 'StatefulSet') {
      throw new ValidationError([{ field: 'workload.kind', value: props.kind, allowed: '"StatefulSet" when persistence is set' }], 'Workload props');
    }
    const names = new Set<string>();
    for (const p of props.ports) {
      if (names.has(p.name)) throw new ValidationError([{ field: 'workload.ports', value: p.name, allowed: 'port names used once' }], 'Workload props');
      names.add(p.name);
      if (p.name.length > 15) throw new ValidationError([{ field: 'workload.ports', value: p.name, allowed: 'port names of at most 15 characters' }], 'Workload props');
    }
    const numbers = new Map<number, string>();
    for (const p of props.ports) {
      const other = numbers.get(p.port);
      if (other !== undefined) throw new ValidationError([{ field: 'workload.ports', value: p.port, allowed: `a port number used once ("${other}" and "${p.name}" both use it)` }], 'Workload props');
      numbers.set(p.port, p.name);
    }
    super(scope, id);
    const { identity } = props;

    this.identity = identity;
    this.ports = props.ports;
    this.serviceName = identity.name;
    this.serviceAccountName = identity.name;
    const labels = standardLabels(identity);
    const selector = selectorLabels(identity);
    const meta = (name: string) => ({ name, namespace: identity.namespace, labels });
    const wiring = NetworkWiring.of(this);
    this.connections = new Connections({ kind: 'workload', name: identity.name, namespace: identity.namespace, podSelector: selector, podLabels: labels }, wiring);
    const replicas = props.kind === 'DaemonSet' ? 1 : props.replicas ?? 1;
    const replicated = props.kind !== 'DaemonSet' && replicas > 1;

    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: meta(this.serviceAccountName),
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
    });

    const volumes: k8s.Volume[] = [];
    const mounts: k8s.VolumeMount[] = [];
    this.podVolumes = volumes;
    this.podMounts = mounts;
    const configFiles = props.configFiles ?? [];
    if (configFiles.length > 0) {
      this.configMapName = childName(identity.name, 'config');
      new k8s.KubeConfigMap(this, 'config', {
        metadata: meta(this.configMapName),
        data: Object.fromEntries(configFiles.map((f) => [f.fileName, deferred(f.content)])),
      });
      volumes.push({ name: 'config', configMap: { name: this.configMapName } });
      mounts.push({ name: 'config', mountPath: props.configMountPath ?? `/etc/${identity.app}`, readOnly: true });
    }
    for (const s of props.scratch ?? []) {
      volumes.push({ name: s.name, emptyDir: { sizeLimit: k8s.Quantity.fromString(s.sizeLimit ?? '1Gi') } });
      mounts.push({ name: s.name, mountPath: s.mountPath });
    }
    for (const v of props.extraVolumes ?? []) {
      volumes.push(v.volume);
      mounts.push(v.mount);
    }
    if (props.persistence) mounts.push({ name: props.persistence.name, mountPath: props.persistence.mountPath });

    const checksumInputs = props.checksumInputs ?? [];
    this.checksumOf = () =>
      configChecksum(...configFiles.map((f) => `${f.fileName}\n${produce(f.content)}`), ...checksumInputs.map((c) => produce(c)));
    const lazyChecksum = configFiles.some((f) => typeof f.content === 'function') || checksumInputs.some((c) => typeof c === 'function');

    const container: k8s.Container = {
      name: identity.app,
      image: imageString(props.image),
      imagePullPolicy: 'IfNotPresent',
      args: props.args,
      env: props.env,
      ports: props.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
      resources: toResourceRequirements(props.resources),
      securityContext: restrictedContainerSecurityContext(props.runAs),
      readinessProbe: props.readinessProbe,
      livenessProbe: props.livenessProbe,
      startupProbe: props.startupProbe,
      volumeMounts: mounts,
      terminationMessagePolicy: 'FallbackToLogsOnError',
    };

    const template: k8s.PodTemplateSpec = {
      metadata: {
        labels,
        annotations: {
          [CONFIG_CHECKSUM_ANNOTATION]: lazyChecksum ? Lazy.any({ produce: () => this.configChecksum }) : this.configChecksum,
          ...(props.podAnnotations ?? {}),
        },
      },
      spec: {
        serviceAccountName: this.serviceAccountName,
        automountServiceAccountToken: props.automountServiceAccountToken ?? false,
        securityContext: restrictedPodSecurityContext(props.runAs),
        terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 30,
        tolerations: props.tolerations,
        // Replicas spread over zones and nodes where the cluster allows it (never blocking scheduling);
        // for a Deployment only the pods of the current revision count (a rollout's new pods spread too).
        topologySpreadConstraints: replicated
          ? SPREAD_TOPOLOGY_KEYS.map((topologyKey) => ({
              maxSkew: 1,
              topologyKey,
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selector },
              ...(props.kind === 'Deployment' ? { matchLabelKeys: ['pod-template-hash'] } : {}),
            }))
          : undefined,
        containers: [container],
        volumes,
      },
    };

    const servicePorts = props.ports
      .filter((p) => p.expose ?? true)
      .map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP', appProtocol: appProtocol(p.protocol) }));

    this.service = new k8s.KubeService(this, 'service', {
      metadata: { ...meta(this.serviceName), annotations: props.service?.annotations },
      spec: {
        type: props.service?.type ?? 'ClusterIP',
        internalTrafficPolicy: props.service?.internalTrafficPolicy,
        selector: selector,
        ports: servicePorts,
      },
    });

    switch (props.kind) {
      case 'StatefulSet': {
        const headless = childName(identity.name, 'headless');
        new k8s.KubeService(this, 'headless', {
          metadata: meta(headless),
          spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector, ports: servicePorts },
        });
        const p = props.persistence;
        this.workload = new k8s.KubeStatefulSet(this, 'workload', {
          metadata: meta(identity.name),
          spec: {
            serviceName: headless,
            replicas,
            podManagementPolicy: 'Parallel',
            selector: { matchLabels: selector },
            template,
            updateStrategy: { type: 'RollingUpdate' },
            persistentVolumeClaimRetentionPolicy: p ? { whenDeleted: 'Retain', whenScaled: 'Retain' } : undefined,
            volumeClaimTemplates: p
              ? [
                  {
                    metadata: { name: p.name, labels: selector },
                    spec: {
                      accessModes: ['ReadWriteOnce'],
                      storageClassName: p.storageClassName,
                      resources: { requests: { storage: k8s.Quantity.fromString(p.size) } },
                    },
                  },
                ]
              : undefined,
          },
        });
        break;
      }
      case 'Deployment':
        this.workload = new k8s.KubeDeployment(this, 'workload', {
          metadata: meta(identity.name),
          spec: {
            replicas,
            selector: { matchLabels: selector },
            template,
            strategy:
              props.deploymentStrategy === 'Recreate'
                ? { type: 'Recreate' }
                : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
          },
        });
        break;
      case 'DaemonSet':
        this.workload = new k8s.KubeDaemonSet(this, 'workload', {
          metadata: meta(identity.name),
          spec: {
            selector: { matchLabels: selector },
            template,
            updateStrategy: {
              type: 'RollingUpdate',
              rollingUpdate:
                props.daemonSetRollout === 'surge'
                  ? { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) }
                  : { maxSurge: k8s.IntOrString.fromNumber(0), maxUnavailable: k8s.IntOrString.fromNumber(1) },
            },
          },
        });
        break;
    }

    if (replicated) {
      // Voluntary disruptions (drains, cluster upgrades) take at most one pod at a time;
      // pods that are not ready can always be evicted, so a crash-looping pod never blocks a drain.
      this.disruptionBudget = new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
        metadata: meta(identity.name),
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      });
    }
    wiring.addWorkload(this.connections.self);
  }

  /**
   * Adds a volume and its container mount after construction (e.g. a folder of
   * dashboards added later). The rendered pod template includes every volume
   * added before synthesis. Put its content in a `checksumInputs` function if
   * changes should roll the pods.
   */
  public addVolume(volume: k8s.Volume, mount: k8s.VolumeMount): void {
    if (this.podVolumes.some((v) => v.name === volume.name)) throw new ValidationError([{ field: 'volume.name', value: volume.name, allowed: 'a volume name not used yet' }], 'Workload.addVolume');
    if (mount.name !== volume.name) throw new ValidationError([{ field: 'mount.name', value: mount.name, allowed: `the volume's name ${JSON.stringify(volume.name)}` }], 'Workload.addVolume');
    this.podVolumes.push(volume);
    this.podMounts.push(mount);
  }

  /** SHA-256 of the config files and checksum inputs (final content, when some are rendered at synthesis). */
  public get configChecksum(): string {
    return this.checksumOf();
  }

  /** The typed endpoint for one of this workload's ports. */
  public endpoint(portName: string, opts: { path?: string } = {}): Endpoint {
    const p = this.ports.find((x) => x.name === portName);
    if (!p) throw new ValidationError([{ field: 'portName', value: portName, allowed: `one of ${this.ports.map((x) => JSON.stringify(x.name)).join(', ')}` }], 'Workload.endpoint');
    if (p.expose === false) throw new ValidationError([{ field: 'portName', value: portName, allowed: 'a port the Service exposes' }], 'Workload.endpoint');
    return new Endpoint({
      service: this.serviceName,
      namespace: this.identity.namespace,
      port: p.port,
      portName: p.name,
      protocol: p.protocol,
      path: opts.path ?? p.path,
      owner: this.connections,
    });
  }

  /** A port of the pods (exposed by the Service or not), for network edges to it. */
  public podPort(portName: string): { readonly port: number; readonly name: string } {
    const p = this.ports.find((x) => x.name === portName);
    if (!p) throw new ValidationError([{ field: 'portName', value: portName, allowed: `one of ${this.ports.map((x) => JSON.stringify(x.name)).join(', ')}` }], 'Workload.podPort');
    return { port: p.port, name: p.name };
  }
}

/** Calls a producer function, passes anything else through. */
function produce<T>(v: T | (() => T)): T {
  return typeof v === 'function' ? (v as () => T)() : v;
}

/** A string now, or a cdk8s Lazy that renders it at synthesis time. */
function deferred(v: string | (() => string)): string {
  return typeof v === 'function' ? Lazy.any({ produce: v }) : v;
}

function appProtocol(p: EndpointProtocol): string | undefined {
  switch (p) {
    case 'http':
      return 'http';
    case 'grpc':
      return 'kubernetes.io/h2c';
    default:
      return undefined;
  }
}

/** An HTTP GET probe on a named port. */
export function httpProbe(path: string, portName: string, opts: Partial<k8s.Probe> = {}): k8s.Probe {
  return {
    httpGet: { path, port: k8s.IntOrString.fromString(portName) },
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 3,
    ...opts,
  };
}
