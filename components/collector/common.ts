import { Construct } from 'constructs';
import { ComponentProps } from '../../lib/component';
import { ResourcesOverride, resourceRules, Resources } from '../../lib/resources';
import { is, Rule } from '../../lib/validation';
import { COLLECTOR_MODES, CollectorMode } from './collector';

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
