/**
 * NetworkPolicies derived from the recorded wiring (see `./model.ts`): in a
 * namespace the stack owns, one `default-deny` policy (every pod, ingress and
 * egress) and, per workload, one `allow-<workload>` policy with exactly the
 * ingress and egress rules its edges need, by port:
 *
 * - an edge between two workloads opens egress on the dialling pods and
 *   ingress on the dialled ones, for the dialled port only;
 * - a workload that dials anything also resolves names: egress to the cluster
 *   DNS pods on port 53 (UDP and TCP);
 * - the API server, the object store and the telemetry gateway's addresses are
 *   not pods: their edges become `ipBlock` rules with the CIDRs the deployment
 *   states (every address by default), on their ports;
 * - a user's extra allows are edges too.
 *
 * Kubelet probes need no rule: traffic from a pod's own node is always allowed
 * (Kubernetes NetworkPolicy semantics).
 */
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { resolveNamespace } from '../component';
import { MANAGED_BY, PART_OF } from '../naming';
import { Obj, Opt, Static, Str, validateProps } from '../schema';
import { Rule, ValidationError } from '../validation';
import { ANY_ADDRESS, STACK_NAMESPACE_ALLOWED, STACK_NAMESPACE_PATTERN } from '../values';
import { Labels, NetworkEdge, NetworkEnd, NetworkPort, NetworkWiring, WorkloadEnd } from './model';
import { DEFAULT_API_SERVER_PORTS, DEFAULT_DNS, NetworkAllow, NETWORK_SETTINGS, networkPolicyRules, NetworkPeerOptions } from './options';

/** The label every namespace carries with its own name (set by the API server). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** Name of the policy that denies everything in a namespace. */
export const DEFAULT_DENY_POLICY = 'default-deny';
/** DNS port. */
export const DNS_PORT = 53;

/** The network settings with every default filled in. */
export interface ResolvedNetworkSettings {
  readonly apiServer: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
  readonly dns: { readonly namespace: string; readonly podLabels: Labels };
  readonly objectStorage: { readonly cidrs: readonly string[] };
  readonly telemetryGateway: { readonly cidrs: readonly string[]; readonly clientCidrs: readonly string[] };
}

const NETWORK_SETTINGS_SCHEMA = Obj(NETWORK_SETTINGS);
/** The network settings of a deployment (the `networkPolicy` section without `enabled`). */
export type NetworkSettings = Static<typeof NETWORK_SETTINGS_SCHEMA>;

/** Fills in the defaults of {@link NetworkSettings}. */
export function resolveNetworkSettings(o: NetworkSettings = {}): ResolvedNetworkSettings {
  return {
    apiServer: { cidrs: o.apiServer?.cidrs ?? ANY_ADDRESS, ports: o.apiServer?.ports ?? DEFAULT_API_SERVER_PORTS },
    dns: { namespace: o.dns?.namespace ?? DEFAULT_DNS.namespace, podLabels: o.dns?.podLabels ?? DEFAULT_DNS.podLabels },
    objectStorage: { cidrs: o.objectStorage?.cidrs ?? ANY_ADDRESS },
    telemetryGateway: { cidrs: o.telemetryGateway?.cidrs ?? ANY_ADDRESS, clientCidrs: o.telemetryGateway?.clientCidrs ?? ANY_ADDRESS },
  };
}

// ---------------------------------------------------------------------------
// Rendering (pure)
// ---------------------------------------------------------------------------

/** A NetworkPolicy peer (`from`/`to` item). */
export type PolicyPeer = Record<string, unknown>;
/** A NetworkPolicy port. */
export interface PolicyPort {
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
}
/** An ingress or egress rule. */
export interface PolicyRule {
  readonly peers: PolicyPeer[];
  readonly ports: PolicyPort[];
}

function matchLabels(l: Labels): { matchLabels: Record<string, string> } | Record<string, never> {
  const keys = Object.keys(l).sort();
  return keys.length === 0 ? {} : { matchLabels: Object.fromEntries(keys.map((k) => [k, l[k]])) };
}

function namespaceSelector(ns: string): Record<string, unknown> {
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } } };
}

/** The NetworkPolicy peers of an edge end, seen from a policy in namespace `policyNs`. */
export function policyPeers(end: NetworkEnd, policyNs: string, s: ResolvedNetworkSettings): PolicyPeer[] {
  const pods = (ns: string | 'all', selector: Labels): PolicyPeer => {
    const podSelector = matchLabels(selector);
    if (ns === policyNs) return { podSelector };
    if (ns === 'all') return { namespaceSelector: {}, ...(Object.keys(podSelector).length > 0 ? { podSelector } : {}) };
    return { ...namespaceSelector(ns), ...(Object.keys(podSelector).length > 0 ? { podSelector } : {}) };
  };
  const blocks = (cidrs: readonly string[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  switch (end.kind) {
    case 'workload':
      return [pods(end.namespace, end.podSelector)];
    case 'pods':
      return end.namespaces === 'all' ? [pods('all', end.podSelector)] : end.namespaces.map((ns) => pods(ns, end.podSelector));
    case 'cidrs':
      return blocks(end.cidrs);
    case 'external':
      switch (end.role) {
        case 'apiServer':
          return blocks(s.apiServer.cidrs);
        case 'objectStorage':
          return blocks(s.objectStorage.cidrs);
        case 'telemetryGateway':
          return blocks(s.telemetryGateway.cidrs);
        case 'telemetryGatewayClients':
          return blocks(s.telemetryGateway.clientCidrs);
      }
  }
}

/** The ports of an edge (the API server's configured ports for an edge to it without ports). */
export function policyPorts(edge: NetworkEdge, s: ResolvedNetworkSettings): PolicyPort[] {
  const ports: NetworkPort[] =
    edge.ports.length === 0 && edge.to.kind === 'external' && edge.to.role === 'apiServer' ? s.apiServer.ports.map((port) => ({ port })) : [...edge.ports];
  return ports.map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port }));
}

const key = (v: unknown) => JSON.stringify(v);
const portOrder = (a: PolicyPort, b: PolicyPort) => a.port - b.port || a.protocol.localeCompare(b.protocol);
/** Rules in the order of their ports (numerically, then by how many). */
function comparePorts(a: readonly PolicyPort[], b: readonly PolicyPort[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = portOrder(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * Rules allowing exactly the given (peer, port) pairs: the pairs are grouped
 * by peer (the union of its ports), then peers with the same ports share a
 * rule, so no rule allows a peer a port it was not given.
 */
export function groupRules(pairs: readonly { peer: PolicyPeer; port: PolicyPort }[]): PolicyRule[] {
  const byPeer = new Map<string, { peer: PolicyPeer; ports: Map<string, PolicyPort> }>();
  for (const { peer, port } of pairs) {
    const k = key(peer);
    if (!byPeer.has(k)) byPeer.set(k, { peer, ports: new Map() });
    byPeer.get(k)!.ports.set(key(port), port);
  }
  const byPorts = new Map<string, PolicyRule>();
  for (const { peer, ports } of byPeer.values()) {
    const sorted = [...ports.values()].sort(portOrder);
    const k = key(sorted);
    if (!byPorts.has(k)) byPorts.set(k, { peers: [], ports: sorted });
    byPorts.get(k)!.peers.push(peer);
  }
  return [...byPorts.values()]
    .map((r) => ({ peers: [...r.peers].sort((a, b) => key(a).localeCompare(key(b))), ports: r.ports }))
    .sort((a, b) => comparePorts(a.ports, b.ports) || key(a.peers).localeCompare(key(b.peers)));
}

/** The DNS peer and ports. */
function dnsPairs(policyNs: string, s: ResolvedNetworkSettings): { peer: PolicyPeer; port: PolicyPort }[] {
  const [peer] = policyPeers({ kind: 'pods', namespaces: [s.dns.namespace], podSelector: s.dns.podLabels, description: 'cluster DNS' }, policyNs, s);
  return (['UDP', 'TCP'] as const).map((protocol) => ({ peer, port: { protocol, port: DNS_PORT } }));
}

/** The `spec` of a workload's allow policy: its edges as ingress and egress rules (plus DNS when it dials anything). */
export function workloadPolicySpec(w: WorkloadEnd, ingress: readonly NetworkEdge[], egress: readonly NetworkEdge[], s: ResolvedNetworkSettings): Record<string, unknown> {
  const pairs = (edges: readonly NetworkEdge[], side: 'from' | 'to') =>
    edges.flatMap((e) => policyPeers(e[side], w.namespace, s).flatMap((peer) => policyPorts(e, s).map((port) => ({ peer, port }))));
  const inRules = groupRules(pairs(ingress, 'from'));
  const outRules = groupRules([...pairs(egress, 'to'), ...(egress.length > 0 ? dnsPairs(w.namespace, s) : [])]);
  return {
    podSelector: matchLabels(w.podSelector),
    policyTypes: ['Ingress', 'Egress'],
    ...(inRules.length > 0 ? { ingress: inRules.map((r) => ({ from: r.peers, ports: r.ports })) } : {}),
    ...(outRules.length > 0 ? { egress: outRules.map((r) => ({ to: r.peers, ports: r.ports })) } : {}),
  };
}

/** The `spec` of the namespace's default-deny policy: every pod, no ingress, no egress. */
export function defaultDenySpec(): { podSelector: Record<string, never>; policyTypes: string[] } {
  return { podSelector: {}, policyTypes: ['Ingress', 'Egress'] };
}

/** The edge an extra allow stands for. */
export function allowEdge(a: NetworkAllow, w: WorkloadEnd, index: number, field: string): NetworkEdge {
  const protocol = a.protocol ?? 'TCP';
  const peer = (p: NetworkPeerOptions): NetworkEnd =>
    p.cidrs !== undefined
      ? { kind: 'cidrs', cidrs: p.cidrs }
      : { kind: 'pods', namespaces: p.namespaces ?? [w.namespace], podSelector: p.podLabels ?? {}, description: `${field}[${index}]` };
  const ports = a.ports.map((port) => ({ port, protocol }));
  const reason = `extra allow ${field}[${index}]`;
  return a.from !== undefined ? { from: peer(a.from), to: w, ports, reason } : { from: w, to: peer(a.to!), ports, reason };
}

// ---------------------------------------------------------------------------
// The construct
// ---------------------------------------------------------------------------

const NETWORK_POLICIES_PROPS = Obj({
  namespace: Opt(
    Str(STACK_NAMESPACE_PATTERN, STACK_NAMESPACE_ALLOWED, { maxLength: 63, doc: "The namespace whose pods the policies isolate; the enclosing Chart's when unset." }),
  ),
  ...NETWORK_SETTINGS,
});

/** Props of {@link NetworkPolicies}: the namespace and the network settings (the config file's `networkPolicy` section). */
export type NetworkPoliciesProps = Static<typeof NETWORK_POLICIES_PROPS>;

/**
 * The NetworkPolicies of one namespace the stack owns: `default-deny`, and
 * `allow-<workload>` for every workload of the namespace, derived from the
 * Chart's recorded wiring when the Chart is synthesized (edges added after
 * construction count too). Workloads created after this construct get their
 * policy as they register. Create it after the components so that
 * `allow[].workload` can name them. A system namespace (kube-system,
 * kube-public, kube-node-lease, default) is refused.
 */
export class NetworkPolicies extends Construct {
  public readonly namespace: string;
  public readonly settings: ResolvedNetworkSettings;
  /** The policy objects, by name (`default-deny`, `allow-<workload>`). */
  public readonly policies = new Map<string, ApiObject>();
  private readonly wiring: NetworkWiring;

  constructor(scope: Construct, id: string, props: NetworkPoliciesProps = {}) {
    const namespace = resolveNamespace(scope, props.namespace);
    const wiring = NetworkWiring.of(scope);
    const here = wiring.workloads.filter((w) => w.namespace === namespace);
    const allows = Array.isArray(props.allow) ? props.allow : [];
    validateProps(
      'NetworkPolicies props',
      [[NETWORK_POLICIES_PROPS, { ...props, namespace }, 'networkPolicy']],
      [
        ...networkPolicyRules(props, 'networkPolicy'),
        ...allows.map(
          (a, i): Rule => ({
            field: `networkPolicy.allow[${i}].workload`,
            value: a?.workload,
            ok: (v: string) => here.some((w) => w.name === v),
            allowed: `a workload of namespace "${namespace}": ${here.map((w) => JSON.stringify(w.name)).join(', ') || 'none yet (create the NetworkPolicies after the components)'}`,
          }),
        ),
      ],
    );
    super(scope, id);
    this.namespace = namespace;
    this.wiring = wiring;
    this.settings = resolveNetworkSettings(props);
    allows.forEach((a, i) => wiring.connect(allowEdge(a, here.find((w) => w.name === a.workload)!, i, 'networkPolicy.allow')));

    this.policies.set(
      DEFAULT_DENY_POLICY,
      new ApiObject(this, DEFAULT_DENY_POLICY, { ...NETWORK_POLICY_TYPE, metadata: { name: DEFAULT_DENY_POLICY, namespace, labels: policyLabels(DEFAULT_DENY_POLICY) }, spec: defaultDenySpec() }),
    );
    for (const w of here) this.addWorkloadPolicy(w);
    wiring.onWorkload((w) => {
      if (w.namespace === namespace) this.addWorkloadPolicy(w);
    });
  }

  private addWorkloadPolicy(w: WorkloadEnd): void {
    const name = `allow-${w.name}`;
    if (this.policies.has(name)) {
      throw new ValidationError([{ field: 'workload', value: w.name, allowed: `a workload name used once in namespace "${this.namespace}"` }], 'NetworkPolicies');
    }
    this.policies.set(
      name,
      // A plain ApiObject: the spec is plain JSON (numeric ports), rendered at synthesis.
      new ApiObject(this, name, {
        ...NETWORK_POLICY_TYPE,
        metadata: { name, namespace: this.namespace, labels: policyLabels(w.name) },
        spec: Lazy.any({ produce: () => workloadPolicySpec(w, this.wiring.ingressOf(w), this.wiring.egressOf(w), this.settings) }),
      }),
    );
  }
}

const NETWORK_POLICY_TYPE = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' } as const;

function policyLabels(instance: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'network-policy',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}
