/**
 * The network wiring of a deployment, as recorded edges.
 *
 * Every workload has a {@link Connections} object (like cdk8s-plus
 * `PodConnections` or aws-cdk `Connections`). Wherever a component is wired to
 * another (a collector given its Loki, Grafana given its backends, Prometheus
 * told to scrape a component, a policy pointing Envoy at a collector), the
 * wiring method records an {@link NetworkEdge}: who dials, who is dialled, on
 * which ports, and why. Nothing else opens a path: the NetworkPolicies
 * (see `./policies.ts`) are derived from the edges alone, so adding a wire
 * opens exactly that path and removing it closes it.
 *
 * Edges are kept per cdk8s Chart (one Chart is one cluster in every layout),
 * in its {@link NetworkWiring}. An edge between two charts (a library user's
 * collectors in one chart dialling Loki in another) is recorded in both.
 */
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from '../validation';

/** Transport protocol of a port. */
export type NetworkProtocol = 'TCP' | 'UDP';

/** A port on the receiving side of an edge. */
export interface NetworkPort {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: NetworkProtocol;
}

export type Labels = Readonly<Record<string, string>>;

/** One workload of the stack (a Deployment, StatefulSet or DaemonSet this package renders). */
export interface WorkloadEnd {
  readonly kind: 'workload';
  /** The workload's name (also its Service name). */
  readonly name: string;
  readonly namespace: string;
  /** The labels its pod selector matches. */
  readonly podSelector: Labels;
  /** Every label of its pods (selector labels included). */
  readonly podLabels: Labels;
}

/** Pods chosen by labels, in some namespaces or in every namespace. */
export interface PodsEnd {
  readonly kind: 'pods';
  /** Namespace names, or `'all'` for every namespace. */
  readonly namespaces: readonly string[] | 'all';
  /** Labels the pods carry; `{}` selects every pod of those namespaces. */
  readonly podSelector: Labels;
  /** What these pods are, for readers of the edges (e.g. "Envoy pods of Gateway kgateway-system/http"). */
  readonly description: string;
}

/**
 * Addresses outside the pod network whose CIDRs each deployment states in its
 * network options (they default to every address):
 * - `apiServer`: the Kubernetes API server (its endpoints, after the
 *   `kubernetes` Service's address is translated; ports 443 and 6443);
 * - `objectStorage`: the S3-compatible object store of Loki and Tempo;
 * - `telemetryGateway`: the management cluster's telemetry gateway, as the
 *   workload clusters dial it (its load balancer);
 * - `telemetryGatewayClients`: where the gateway's clients connect from (the
 *   workload clusters, through the load balancer).
 */
export type ExternalRole = 'apiServer' | 'objectStorage' | 'telemetryGateway' | 'telemetryGatewayClients';
export const EXTERNAL_ROLES: readonly ExternalRole[] = ['apiServer', 'objectStorage', 'telemetryGateway', 'telemetryGatewayClients'];

export interface ExternalEnd {
  readonly kind: 'external';
  readonly role: ExternalRole;
}

/** Fixed address blocks (a user's extra allow). */
export interface CidrsEnd {
  readonly kind: 'cidrs';
  readonly cidrs: readonly string[];
}

export type NetworkEnd = WorkloadEnd | PodsEnd | ExternalEnd | CidrsEnd;

/** One recorded path: `from` opens connections to `to` on `ports`. */
export interface NetworkEdge {
  readonly from: NetworkEnd;
  readonly to: NetworkEnd;
  /**
   * Ports of the receiving side. Empty only towards the API server, whose
   * ports come from the deployment's network options.
   */
  readonly ports: readonly NetworkPort[];
  /** Why the path exists, e.g. "otel-logs exports logs to loki". */
  readonly reason: string;
}

/** Whether a pod set includes a workload's pods. */
export function podsInclude(p: PodsEnd, w: WorkloadEnd): boolean {
  return (p.namespaces === 'all' || p.namespaces.includes(w.namespace)) && Object.entries(p.podSelector).every(([k, v]) => w.podLabels[k] === v);
}

/** Whether an edge end is exactly this workload. */
export function isWorkload(e: NetworkEnd, w: WorkloadEnd): boolean {
  return e.kind === 'workload' && e.name === w.name && e.namespace === w.namespace;
}

/** Whether traffic along an edge reaches this workload (the workload itself, or a pod set that includes it). */
export function reaches(e: NetworkEnd, w: WorkloadEnd): boolean {
  return isWorkload(e, w) || (e.kind === 'pods' && podsInclude(e, w));
}

/** A short name of an edge end, for messages and tests. */
export function endName(e: NetworkEnd): string {
  switch (e.kind) {
    case 'workload':
      return `${e.namespace}/${e.name}`;
    case 'pods':
      return e.description;
    case 'external':
      return `(${e.role})`;
    case 'cidrs':
      return e.cidrs.join(',');
  }
}

type Listener = (w: WorkloadEnd) => void;

/**
 * The edges and workloads of one cdk8s Chart (one cluster). Obtain it with
 * {@link NetworkWiring.of}; the constructs record into it.
 */
export class NetworkWiring {
  private static readonly byChart = new WeakMap<IConstruct, NetworkWiring>();

  /** The wiring of the Chart that holds `scope` (its root when it is in no Chart). */
  public static of(scope: IConstruct): NetworkWiring {
    let key: IConstruct;
    try {
      key = Chart.of(scope);
    } catch {
      key = scope.node.root;
    }
    let w = NetworkWiring.byChart.get(key);
    if (!w) NetworkWiring.byChart.set(key, (w = new NetworkWiring()));
    return w;
  }

  private readonly edgeList: NetworkEdge[] = [];
  private readonly workloadList: WorkloadEnd[] = [];
  private readonly listeners: Listener[] = [];

  /** Every edge recorded so far, in recording order. */
  public get edges(): readonly NetworkEdge[] {
    return [...this.edgeList];
  }

  /** Every workload registered so far. */
  public get workloads(): readonly WorkloadEnd[] {
    return [...this.workloadList];
  }

  /** Records an edge (once: the same path with the same ports and reason is kept once). */
  public connect(edge: NetworkEdge): void {
    const key = JSON.stringify(edge);
    if (!this.edgeList.some((e) => JSON.stringify(e) === key)) this.edgeList.push(edge);
  }

  /** Registers a workload and tells the listeners (the network policies of its namespace). */
  public addWorkload(w: WorkloadEnd): void {
    this.workloadList.push(w);
    for (const l of this.listeners) l(w);
  }

  /** Calls `listener` for every workload registered from now on. */
  public onWorkload(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** The edges that leave a workload (it dials). */
  public egressOf(w: WorkloadEnd): NetworkEdge[] {
    return this.edgeList.filter((e) => isWorkload(e.from, w));
  }

  /** The edges that arrive at a workload (it is dialled, directly or as one of a pod set). */
  public ingressOf(w: WorkloadEnd): NetworkEdge[] {
    return this.edgeList.filter((e) => reaches(e.to, w));
  }
}

/**
 * The connections of one workload: the methods the wiring code calls. Each
 * records an edge in the workload's {@link NetworkWiring} (and, for an
 * endpoint owned by a workload of another Chart, in that Chart's too).
 */
export class Connections {
  constructor(
    /** This workload as an edge end. */
    public readonly self: WorkloadEnd,
    private readonly wiring: NetworkWiring,
  ) {}

  /** This workload dials `to` on `ports`. */
  public allowTo(to: NetworkEnd, ports: readonly NetworkPort[], reason: string): void {
    this.wiring.connect({ from: this.self, to, ports: ports.map(normalPort), reason });
  }

  /** `from` dials this workload on `ports`. */
  public allowFrom(from: NetworkEnd, ports: readonly NetworkPort[], reason: string): void {
    this.wiring.connect({ from, to: this.self, ports: ports.map(normalPort), reason });
  }

  /**
   * This workload dials a port of another workload (given by its
   * {@link Connections}); the edge is recorded in both workloads' wirings.
   */
  public allowToWorkload(other: Connections, port: NetworkPort, reason: string): void {
    const edge: NetworkEdge = { from: this.self, to: other.self, ports: [normalPort(port)], reason };
    this.wiring.connect(edge);
    if (other.wiring !== this.wiring) other.wiring.connect(edge);
  }

  /** This workload dials an in-cluster endpoint of another workload (its owner). */
  public allowToEndpoint(endpoint: OwnedEndpoint, reason: string): void {
    if (!endpoint.owner) {
      throw new ValidationError(
        [{ field: 'endpoint', value: endpoint.host, allowed: 'an in-cluster endpoint served by a workload of this package; reach other addresses with a networkPolicy.allow entry' }],
        'Connections.allowToEndpoint',
      );
    }
    this.allowToWorkload(endpoint.owner, { port: endpoint.port }, reason);
  }
}

/** What {@link Connections.allowToEndpoint} needs of an `Endpoint`. */
export interface OwnedEndpoint {
  readonly host: string;
  readonly port: number;
  /** The connections of the workload that serves it; absent for endpoints outside the cluster. */
  readonly owner?: Connections;
}

function normalPort(p: NetworkPort): NetworkPort {
  return { port: p.port, protocol: p.protocol ?? 'TCP' };
}
