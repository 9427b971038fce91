/**
 * A small evaluator of Kubernetes NetworkPolicies (networking.k8s.io/v1
 * semantics), for tests: may `from` open a connection to `to` on a port?
 *
 * - A pod is isolated for egress (ingress) when a policy of its namespace
 *   selects it and lists Egress (Ingress) in its policyTypes; an isolated pod
 *   only sends (receives) what some such policy's rules allow. Both ends must
 *   allow a connection between two pods.
 * - A peer with `ipBlock` matches addresses (not pods); a peer with a
 *   `namespaceSelector` matches pods of the namespaces whose labels it selects
 *   (every namespace carries `kubernetes.io/metadata.name`), else pods of the
 *   policy's own namespace; `podSelector` narrows to pods by label.
 * - An absent or empty `ports` list allows every port; an absent protocol is TCP.
 *
 * Traffic from a pod's own node (kubelet probes) is not modelled.
 */
import { cidrContains } from '../../lib/values';

export interface PodAt {
  readonly kind: 'pod';
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** For messages. */
  readonly name?: string;
}
export interface AddressAt {
  readonly kind: 'ip';
  readonly ip: string;
}
export type Party = PodAt | AddressAt;

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

/** Whether a label selector selects these labels (an empty selector selects everything). */
export function selects(sel: Selector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

export function namespaceLabels(ns: string): Record<string, string> {
  return { 'kubernetes.io/metadata.name': ns };
}

function peerMatches(peer: any, x: Party, policyNs: string): boolean {
  if (peer.ipBlock) return x.kind === 'ip' && cidrContains(peer.ipBlock.cidr, x.ip) && !(peer.ipBlock.except ?? []).some((c: string) => cidrContains(c, x.ip));
  if (x.kind !== 'pod') return false;
  const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, namespaceLabels(x.namespace)) : x.namespace === policyNs;
  return nsOk && selects(peer.podSelector, x.labels);
}

function portMatches(ports: any[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port || (p.endPort !== undefined && port >= p.port && port <= p.endPort)));
}

function policyTypes(p: any): string[] {
  return p.spec.policyTypes ?? ['Ingress', ...(p.spec.egress ? ['Egress'] : [])];
}

/** The policies that isolate a pod in one direction. */
function isolating(policies: any[], pod: PodAt, direction: 'Ingress' | 'Egress'): any[] {
  return policies.filter((p) => p.kind === 'NetworkPolicy' && p.metadata.namespace === pod.namespace && selects(p.spec.podSelector, pod.labels) && policyTypes(p).includes(direction));
}

/** Whether `from` may send to `other` on `port` (egress side only). */
export function egressAllowed(policies: any[], from: PodAt, to: Party, port: number, protocol = 'TCP'): boolean {
  const iso = isolating(policies, from, 'Egress');
  return iso.length === 0 || iso.some((p) => (p.spec.egress ?? []).some((r: any) => (r.to === undefined || r.to.length === 0 || r.to.some((peer: any) => peerMatches(peer, to, p.metadata.namespace))) && portMatches(r.ports, port, protocol)));
}

/** Whether `to` may receive from `from` on `port` (ingress side only). */
export function ingressAllowed(policies: any[], from: Party, to: PodAt, port: number, protocol = 'TCP'): boolean {
  const iso = isolating(policies, to, 'Ingress');
  return iso.length === 0 || iso.some((p) => (p.spec.ingress ?? []).some((r: any) => (r.from === undefined || r.from.length === 0 || r.from.some((peer: any) => peerMatches(peer, from, p.metadata.namespace))) && portMatches(r.ports, port, protocol)));
}

/** Whether a connection from `from` to `to` on `port` is allowed by both ends. */
export function connectionAllowed(policies: any[], from: Party, to: Party, port: number, protocol = 'TCP'): boolean {
  return (from.kind !== 'pod' || egressAllowed(policies, from, to, port, protocol)) && (to.kind !== 'pod' || ingressAllowed(policies, from, to, port, protocol));
}

/** The pods of the rendered workloads (their template labels and namespace), by workload name. */
export function podsOf(objects: any[]): Map<string, PodAt> {
  const out = new Map<string, PodAt>();
  for (const o of objects) {
    if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind)) continue;
    out.set(o.metadata.name, { kind: 'pod', namespace: o.metadata.namespace, labels: o.spec.template.metadata.labels, name: o.metadata.name });
  }
  return out;
}
