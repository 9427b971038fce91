import { k8s } from 'cdk8s-plus-28';
import { Obj, Opt, Static, Str } from './schema';
import { Rule } from './validation';
import { QUANTITY_ALLOWED, QUANTITY_PATTERN, quantityValue } from './values';

/**
 * Explicit compute resources for one container. Every container this package
 * renders has requests and limits for both CPU and memory.
 */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** A Kubernetes quantity greater than zero (`100m`, `0.5`, `256Mi`). */
export const QuantitySchema = Str(QUANTITY_PATTERN, QUANTITY_ALLOWED);
const CpuMemory = Obj({ cpu: Opt(QuantitySchema), memory: Opt(QuantitySchema) }, { allowed: 'an object with the fields cpu, memory' });

/** Partial override of {@link Resources}; unset fields keep the component default. */
export const ResourcesSchema = Obj(
  { requests: Opt(CpuMemory), limits: Opt(CpuMemory) },
  { doc: 'Container requests and limits; unset fields keep the component defaults.' },
);
export type ResourcesOverride = Static<typeof ResourcesSchema>;

/** Merges a user override onto a component default. */
export function resolveResources(defaults: Resources, override?: ResourcesOverride): Resources {
  return {
    requests: {
      cpu: override?.requests?.cpu ?? defaults.requests.cpu,
      memory: override?.requests?.memory ?? defaults.requests.memory,
    },
    limits: {
      cpu: override?.limits?.cpu ?? defaults.limits.cpu,
      memory: override?.limits?.memory ?? defaults.limits.memory,
    },
  };
}

/** Renders {@link Resources} as a Kubernetes ResourceRequirements object. */
export function toResourceRequirements(r: Resources): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(r.requests.cpu), memory: k8s.Quantity.fromString(r.requests.memory) },
    limits: { cpu: k8s.Quantity.fromString(r.limits.cpu), memory: k8s.Quantity.fromString(r.limits.memory) },
  };
}

/**
 * `GOMEMLIMIT` for a Go program: `share` of the container memory limit, in
 * whole MiB (the runtime then collects garbage harder near the limit instead
 * of being OOM-killed).
 */
export function goMemLimitShare(resources: Resources, share: number): string {
  return `${Math.floor((quantityBytes(resources.limits.memory) * share) / 2 ** 20)}MiB`;
}

/** Parses a CPU quantity to cores (e.g. `250m` = 0.25); NaN when it is not a quantity. */
export function cpuCores(q: string): number {
  return quantityValue(q);
}

/** Parses a memory/storage quantity to bytes (e.g. `256Mi`); NaN when it is not a quantity. */
export function quantityBytes(q: string): number {
  return quantityValue(q);
}

/**
 * The cross-field rules of a resources override (limits at least the
 * requests, after merging onto the defaults), under the given field path.
 * Each field's own grammar is checked by {@link ResourcesSchema}.
 */
export function resourceRules(field: string, _r: ResourcesOverride | undefined, resolved: Resources): Rule[] {
  const rules: Rule[] = [];
  if ([resolved.requests.cpu, resolved.limits.cpu, resolved.requests.memory, resolved.limits.memory].every((q) => quantityValue(q) > 0)) {
    rules.push(
      {
        field: `${field}.limits.cpu`,
        value: resolved.limits.cpu,
        ok: (v: string) => cpuCores(v) >= cpuCores(resolved.requests.cpu),
        allowed: `a CPU limit at least the request (${resolved.requests.cpu})`,
      },
      {
        field: `${field}.limits.memory`,
        value: resolved.limits.memory,
        ok: (v: string) => quantityBytes(v) >= quantityBytes(resolved.requests.memory),
        allowed: `a memory limit at least the request (${resolved.requests.memory})`,
      },
    );
  }
  return rules;
}
