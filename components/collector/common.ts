import { Construct } from 'constructs';
import { ComponentProps } from '../../lib/component';
import { ResourcesOverride, resourceRules, Resources } from '../../lib/resources';
import { is, Rule } from '../../lib/validation';
import { COLLECTOR_MODES, CollectorMode } from './collector';
import { GATEWAY_TARGET_ALLOWED, GatewayTarget, gatewayTargetRules } from './gateway-client';

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
}

/** Props of the collectors that can run as a Deployment or a DaemonSet. */
export interface ModeProps {
  /** @default 'Deployment' */
  readonly mode?: CollectorMode;
}

/** The construct path a child `id` of `scope` will have (for errors raised before `super()`). */
export function pathOf(scope: Construct, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}

/** Rules shared by every collector: name, debug, resources. */
export function commonRules(prefix: string, props: CollectorCommonProps, resources: Resources): Rule[] {
  return [
    { field: `${prefix}.name`, value: props.name, ok: is.dnsLabel, allowed: is.dnsLabelAllowed },
    { field: `${prefix}.namespace`, value: props.namespace, ok: is.dnsLabel, allowed: is.dnsLabelAllowed },
    { field: `${prefix}.debug`, value: props.debug, ok: (v) => typeof v === 'boolean', allowed: 'true or false' },
    ...resourceRules(`${prefix}.resources`, props.resources, resources),
  ];
}

/** Rules for `mode` and `replicas`. */
export function modeRules(prefix: string, mode: unknown, replicas: unknown): Rule[] {
  return [
    { field: `${prefix}.mode`, value: mode, ok: is.oneOf(COLLECTOR_MODES), allowed: is.oneOfAllowed(COLLECTOR_MODES) },
    { field: `${prefix}.replicas`, value: replicas, ok: is.intBetween(1, 50), allowed: 'an integer from 1 to 50' },
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

/** Rule: a cluster name (DNS-1123 subdomain), optional unless `required`. */
export function clusterNameRule(field: string, value: unknown, required = false): Rule {
  return { field, value, required, ok: is.dnsSubdomain, allowed: `a cluster name (${is.dnsSubdomainAllowed})` };
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
