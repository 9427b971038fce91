import { ComponentProps, componentPropsSchema } from '../../lib/component';
import { SecretKeyRefSchema } from '../../lib/endpoint';
import { ResourcesOverride, resourceRules, Resources, ResourcesSchema } from '../../lib/resources';
import { Bool, Enum, Int, Obj, Opt, SchemaCheck, Str } from '../../lib/schema';
import { is, Rule } from '../../lib/validation';
import { DNS1123_SUBDOMAIN_ALLOWED, DNS1123_SUBDOMAIN_PATTERN } from '../../lib/values';
import { COLLECTOR_MODES, CollectorMode } from './collector';
import { GATEWAY_TARGET_ALLOWED, GatewayTarget } from './gateway-client';
import { queueRules, SENDING_QUEUE_OPTIONS, SendingQueueOptions } from './queue';

/** Props every collector construct accepts. */
export interface CollectorCommonProps extends ComponentProps {
  /**
   * Container resources; unset fields keep the collector's defaults.
   * The memory limit also sets `GOMEMLIMIT` (80%) and memory_limiter's limit (80%).
   */
  readonly resources?: ResourcesOverride;
  /** Add the `debug` exporter to every pipeline (logs a summary of what passes). @default false */
  readonly debug?: boolean;
}

/** Props of the signal collectors that can stamp their cluster's name and export to a gateway. */
export interface SignalCollectorProps {
  /**
   * Stamped on every signal as the resource attribute `k8s.cluster.name`
   * (a `resource` processor, upsert, after memory_limiter).
   * @default not stamped
   */
  readonly clusterName?: string;
  /**
   * Export to a telemetry gateway (OTLP gRPC over TLS with client auth, CA
   * and credentials from Secrets) instead of the backend. Exactly one of the
   * backend and `gateway` is required. The exporter dials
   * `${env:OTLP_GATEWAY_ENDPOINT}`; the env var holds `host:port`.
   * @default the backend
   */
  readonly gateway?: GatewayTarget;
  /**
   * The sending queue of the exporter towards the `gateway` (only with
   * `gateway`): on an emptyDir by default, or on a PVC per replica (the
   * collector becomes a StatefulSet; Deployment mode only), or in memory.
   * See `components/collector/queue.ts` for the sizing arithmetic.
   * @default { storage: 'emptyDir', size: '2Gi', maxOutage: '1h' }
   */
  readonly queue?: SendingQueueOptions;
}

/** Props of the collectors that can run as a Deployment or a DaemonSet. */
export interface ModeProps {
  /** @default 'Deployment' */
  readonly mode?: CollectorMode;
}

/** Replicas of a collector Deployment: one definition for the config file and every collector construct. */
export const COLLECTOR_REPLICAS = Int(1, 50, { doc: 'Deployment replicas (not in DaemonSet mode).', default: '1' });
/** How a collector runs. */
export const COLLECTOR_MODE = Enum(COLLECTOR_MODES, { doc: 'Deployment (a set of replicas) or DaemonSet (one pod per node).', default: 'Deployment' });
/** A cluster name, stamped on every signal as k8s.cluster.name. */
export const CLUSTER_NAME = Str(DNS1123_SUBDOMAIN_PATTERN, `a cluster name (${DNS1123_SUBDOMAIN_ALLOWED})`, { maxLength: 253, doc: 'Cluster name stamped on every signal as k8s.cluster.name.' });

/** The schema of the data props of a collector construct (name, namespace, resources, debug; optionally mode, replicas, clusterName). */
export function collectorPropsSchema(extra: { mode?: boolean; replicas?: boolean; clusterName?: boolean; queue?: boolean } = {}) {
  return Obj({
    ...componentPropsSchema(),
    resources: Opt(ResourcesSchema),
    debug: Opt(Bool({ doc: 'Add the debug exporter to every pipeline.', default: 'false' })),
    ...(extra.mode ? { mode: Opt(COLLECTOR_MODE) } : {}),
    ...(extra.replicas ? { replicas: Opt(COLLECTOR_REPLICAS) } : {}),
    ...(extra.clusterName ? { clusterName: Opt(CLUSTER_NAME) } : {}),
    ...(extra.queue ? { queue: Opt(SENDING_QUEUE_OPTIONS) } : {}),
  });
}

/** The longest name of a StatefulSet (its pods carry `controller-revision-hash: <name>-<10-char hash>`, at most 63). */
export const MAX_STATEFULSET_NAME = 52;

/**
 * Rules of a collector's gateway `queue`: only with a gateway; a PVC needs
 * Deployment mode and a name that fits a StatefulSet.
 */
export function gatewayQueueRules(prefix: string, o: { queue?: SendingQueueOptions; gateway?: unknown; mode?: CollectorMode; name?: string }, defaultName: string, gatewayField = 'gateway'): Rule[] {
  const q = o.queue;
  const pvc = q?.storage === 'persistentVolumeClaim';
  const name = o.name ?? defaultName;
  return [
    { field: `${prefix}.queue`, value: o.gateway ? undefined : q, ok: () => false, allowed: `unset without ${prefix}.${gatewayField} (it is the queue of the exporter towards a telemetry gateway)` },
    ...queueRules(`${prefix}.queue`, q),
    { field: `${prefix}.queue.storage`, value: pvc && o.mode === 'DaemonSet' ? q!.storage : undefined, ok: () => false, allowed: '"emptyDir" or "memory" in DaemonSet mode (a PVC per replica needs a StatefulSet)' },
    {
      field: `${prefix}.name`,
      value: pvc ? name : undefined,
      ok: (v: string) => v.length <= MAX_STATEFULSET_NAME,
      allowed: `at most ${MAX_STATEFULSET_NAME} characters with a persistentVolumeClaim queue (the collector is a StatefulSet)`,
    },
  ];
}

/** Rules shared by every collector: limits at least the requests. */
export function commonRules(prefix: string, props: CollectorCommonProps, resources: Resources): Rule[] {
  return resourceRules(`${prefix}.resources`, props.resources, resources);
}

/** Rules for `mode` and `replicas`. */
export function modeRules(prefix: string, mode: unknown, replicas: unknown): Rule[] {
  return [
    {
      field: `${prefix}.replicas`,
      value: mode === 'DaemonSet' ? replicas : undefined,
      ok: () => false,
      allowed: 'unset in DaemonSet mode (one pod per node)',
    },
  ];
}

/** Rule: a required construct reference with the given endpoints. */
export function requiredRule(field: string, value: unknown, allowed: string): Rule {
  return { field, value, required: true, ok: (v) => v !== null && typeof v === 'object', allowed };
}

/** The schema checks of a {@link GatewayTarget} at `field` (its Secret references). */
export function gatewayTargetChecks(field: string, target: GatewayTarget | undefined): SchemaCheck[] {
  const g = (target ?? {}) as Partial<GatewayTarget>;
  const a = g.auth as Partial<{ bearerToken: unknown }> | undefined;
  return [
    [SecretKeyRefSchema, g.ca ?? {}, `${field}.ca`],
    ...(a?.bearerToken !== undefined ? [[SecretKeyRefSchema, a.bearerToken, `${field}.auth.bearerToken`] as const] : []),
  ];
}

/**
 * Rules for a signal collector's destination: exactly one of its backend
 * (`loki`/`tempo`/`prometheus`) and `gateway`, then the chosen one's own rules.
 */
export function destinationRules(prefix: string, backendField: string, backend: unknown, backendAllowed: string, gateway: GatewayTarget | undefined): Rule[] {
  const hasBackend = backend !== undefined && backend !== null;
  const hasGateway = gateway !== undefined && gateway !== null;
  const rules: Rule[] = [
    {
      field: `${prefix}.${backendField} / ${prefix}.gateway`,
      value: hasBackend === hasGateway ? (hasBackend ? 'both given' : 'neither given') : undefined,
      ok: () => false,
      allowed: `exactly one of ${prefix}.${backendField} (${backendAllowed}) or ${prefix}.gateway (${GATEWAY_TARGET_ALLOWED})`,
    },
  ];
  if (hasBackend) rules.push(requiredRule(`${prefix}.${backendField}`, backend, backendAllowed));
  if (hasGateway) rules.push(...gatewayTargetRules(`${prefix}.gateway`, gateway));
  return rules;
}

/** Validation rules of a {@link GatewayTarget} at `field` (e.g. `logsCollector.gateway`); its Secret references are checked by {@link gatewayTargetChecks}. */
export function gatewayTargetRules(field: string, target: GatewayTarget | undefined): Rule[] {
  const g = (target ?? {}) as Partial<GatewayTarget>;
  return [
    { field: `${field}.host`, value: g.host, required: true, ok: is.dnsSubdomain, allowed: `a DNS name (${is.dnsSubdomainAllowed})` },
    { field: `${field}.port`, value: g.port, ok: is.port, allowed: is.portAllowed },
    { field: `${field}.serverName`, value: g.serverName, ok: is.dnsSubdomain, allowed: is.dnsSubdomainAllowed },
    {
      field: `${field}.auth`,
      value: g.auth,
      required: true,
      ok: (v) => v && typeof v === 'object' && 'bearerToken' in v,
      allowed: '{ bearerToken: SecretKeyRef } (a bearer token read from a Secret)',
    },
  ];
}
