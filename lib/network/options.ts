/**
 * The network options of a deployment, defined once: the config file's
 * `networkPolicy` section, and the props of {@link NetworkPolicies}.
 */
import { Bool, Documented, Enum, Int, List, Obj, Opt, Static, Str, StringMap } from '../schema';
import { Rule } from '../validation';
import {
  ANY_ADDRESS,
  CIDR_ALLOWED,
  CIDR_PATTERN,
  DNS1035_LABEL_ALLOWED,
  DNS1035_LABEL_PATTERN,
  DNS1123_LABEL_ALLOWED,
  DNS1123_LABEL_PATTERN,
  isCanonicalCidr,
  K8S_LABEL_KEY_ALLOWED,
  K8S_LABEL_KEY_PATTERN,
  K8S_LABEL_VALUE_ALLOWED,
  K8S_LABEL_VALUE_PATTERN,
  matches,
} from '../values';

/** The namespace and pod labels of the cluster DNS (kube-dns or CoreDNS behind the `kube-dns` Service). */
export const DEFAULT_DNS = { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } } as const;
/** The API server's ports: 443 (the `kubernetes` Service, and managed control planes) and 6443 (kube-apiserver's default secure port, where the Service's endpoints usually are). */
export const DEFAULT_API_SERVER_PORTS: readonly number[] = [443, 6443];

/** A list of CIDRs. */
export function cidrList(doc: string, dflt: string) {
  return List(Str(CIDR_PATTERN, CIDR_ALLOWED, { maxLength: 49 }), `a non-empty list of distinct CIDRs (${CIDR_ALLOWED})`, { minItems: 1, maxItems: 100, unique: true, doc, default: dflt });
}

const ANY = `every address (${ANY_ADDRESS.join(', ')})`;

/** A map of Kubernetes label keys to values. */
export const K8S_LABELS = StringMap(K8S_LABEL_KEY_PATTERN, `a map of Kubernetes label keys to values (${K8S_LABEL_VALUE_ALLOWED})`, {
  maxProperties: 32,
  keyAllowed: K8S_LABEL_KEY_ALLOWED,
});

const PORTS = List(Int(1, 65535, { allowed: 'a port from 1 to 65535' }), 'a non-empty list of distinct ports from 1 to 65535', { minItems: 1, maxItems: 32, unique: true, doc: 'Ports on the receiving side.' });

/** The other end of an extra allow: pods (by namespace and labels) or address blocks. */
export const NETWORK_PEER = Obj(
  {
    namespaces: Opt(
      List(Str(DNS1123_LABEL_PATTERN, `a namespace name (${DNS1123_LABEL_ALLOWED})`, { maxLength: 63 }), 'a non-empty list of distinct namespace names', {
        minItems: 1,
        maxItems: 100,
        unique: true,
        doc: 'Namespaces of the pods.',
        default: "the workload's own namespace",
      }),
    ),
    podLabels: Opt(Documented(K8S_LABELS, 'Labels of the pods.', 'every pod of those namespaces')),
    cidrs: Opt(cidrList('Address blocks instead of pods.', 'none')),
  },
  { allowed: '{ namespaces?, podLabels? } (pods) or { cidrs } (address blocks)', doc: 'Pods (by namespaces and labels) or address blocks.' },
);

/** A path the wiring does not know about, added by the user. */
export const NETWORK_ALLOW = Obj(
  {
    workload: Str(DNS1035_LABEL_PATTERN, `the name of a workload of the stack (${DNS1035_LABEL_ALLOWED})`, {
      maxLength: 63,
      doc: 'The workload (its Service name, e.g. grafana or otel-metrics) the path starts or ends at.',
    }),
    from: Opt(Documented(NETWORK_PEER, 'Who may connect to the workload (ingress).')),
    to: Opt(Documented(NETWORK_PEER, 'Where the workload may connect (egress).')),
    ports: PORTS,
    protocol: Opt(Enum(['TCP', 'UDP'] as const, { doc: 'Protocol of the ports.', default: 'TCP' })),
  },
  { allowed: 'an extra path: { workload, from | to, ports, protocol? }' },
);
export type NetworkAllow = Static<typeof NETWORK_ALLOW>;
export type NetworkPeerOptions = Static<typeof NETWORK_PEER>;

/** The network settings shared by every chart of a deployment (no namespace, no switch). */
export const NETWORK_SETTINGS = {
  apiServer: Opt(
    Obj(
      {
        cidrs: Opt(cidrList('Addresses of the API server endpoints (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes).', ANY)),
        ports: Opt(
          List(Int(1, 65535, { allowed: 'a port from 1 to 65535' }), 'a non-empty list of distinct ports from 1 to 65535', {
            minItems: 1,
            maxItems: 8,
            unique: true,
            doc: 'Ports of the API server endpoints.',
            default: DEFAULT_API_SERVER_PORTS.join(', '),
          }),
        ),
      },
      { doc: 'The Kubernetes API server, which the collectors that discover pods and Prometheus (with Kubernetes discovery) watch.' },
    ),
  ),
  dns: Opt(
    Obj(
      {
        namespace: Opt(Str(DNS1123_LABEL_PATTERN, `a namespace name (${DNS1123_LABEL_ALLOWED})`, { maxLength: 63, doc: 'Namespace of the DNS pods.', default: DEFAULT_DNS.namespace })),
        podLabels: Opt(Documented(K8S_LABELS, 'Labels of the DNS pods.', '{ k8s-app: kube-dns }')),
      },
      { doc: 'The cluster DNS every pod that dials a name resolves it with (port 53, UDP and TCP).' },
    ),
  ),
  objectStorage: Opt(Obj({ cidrs: Opt(cidrList('Addresses of the S3-compatible object store of Loki and Tempo.', ANY)) }, { doc: 'The object store (only with loki/tempo.storage.s3).' })),
  telemetryGateway: Opt(
    Obj(
      {
        cidrs: Opt(cidrList("Addresses the workload clusters' collectors dial the telemetry gateway at (its load balancer).", ANY)),
        clientCidrs: Opt(cidrList("Addresses the telemetry gateway accepts connections from (the workload clusters, through its load balancer).", ANY)),
      },
      { doc: 'The multi-cluster hop.' },
    ),
  ),
  allow: Opt(List(NETWORK_ALLOW, 'a list of extra paths', { maxItems: 100, doc: 'Extra paths the wiring does not know about (e.g. an ingress controller to Grafana).' })),
};

/**
 * The config file's `networkPolicy` section: in every namespace the stack
 * owns, deny all traffic and allow exactly the paths the wiring records.
 */
export const NETWORK_POLICY_OPTIONS = Obj(
  {
    enabled: Opt(Bool({ doc: 'Render the default-deny and allow NetworkPolicies.', default: 'true' })),
    ...NETWORK_SETTINGS,
  },
  { doc: 'NetworkPolicies: deny everything in the stack namespace, then allow exactly the wired paths.' },
);
export type NetworkPolicyOptions = Static<typeof NETWORK_POLICY_OPTIONS>;

/** The rules of the network options the schema cannot express, under `path`. */
export function networkPolicyRules(o: NetworkPolicyOptions | undefined, path: string): Rule[] {
  if (!o) return [];
  const rules: Rule[] = [];
  const cidrs = (field: string, list: readonly string[] | undefined) =>
    (Array.isArray(list) ? list : []).forEach((c, i) => rules.push({ field: `${field}[${i}]`, value: c, ok: isCanonicalCidr, allowed: CIDR_ALLOWED }));
  cidrs(`${path}.apiServer.cidrs`, o.apiServer?.cidrs);
  cidrs(`${path}.objectStorage.cidrs`, o.objectStorage?.cidrs);
  cidrs(`${path}.telemetryGateway.cidrs`, o.telemetryGateway?.cidrs);
  cidrs(`${path}.telemetryGateway.clientCidrs`, o.telemetryGateway?.clientCidrs);
  const labels = (field: string, l: Record<string, string> | undefined) =>
    Object.entries(l && typeof l === 'object' ? l : {}).forEach(([k, v]) =>
      rules.push({ field: `${field}.${k}`, value: v, ok: (x: unknown) => matches(K8S_LABEL_VALUE_PATTERN, x), allowed: K8S_LABEL_VALUE_ALLOWED }),
    );
  labels(`${path}.dns.podLabels`, o.dns?.podLabels);
  (Array.isArray(o.allow) ? o.allow : []).forEach((a, i) => {
    const at = `${path}.allow[${i}]`;
    rules.push({
      field: `${at}.from / ${at}.to`,
      value: (a?.from === undefined) === (a?.to === undefined) ? (a?.from === undefined ? 'neither given' : 'both given') : undefined,
      ok: () => false,
      allowed: 'exactly one of from (ingress to the workload) or to (egress from it)',
    });
    const peer = a?.from ?? a?.to;
    const side = a?.from !== undefined ? 'from' : 'to';
    if (peer && typeof peer === 'object') {
      const pods = peer.namespaces !== undefined || peer.podLabels !== undefined;
      rules.push({
        field: `${at}.${side}`,
        value: pods === (peer.cidrs !== undefined) ? (pods ? 'pods and cidrs' : 'empty') : undefined,
        ok: () => false,
        allowed: 'pods ({ namespaces?, podLabels? }, at least one of them) or address blocks ({ cidrs }), not both',
      });
      cidrs(`${at}.${side}.cidrs`, peer.cidrs);
      labels(`${at}.${side}.podLabels`, peer.podLabels);
    }
  });
  return rules;
}
