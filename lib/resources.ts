import { k8s } from 'cdk8s-plus-28';
import { is, Rule } from './validation';

/**
 * Explicit compute resources for one container. Every container this package
 * renders has requests and limits for both CPU and memory.
 */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Partial override of {@link Resources}; unset fields keep the component default. */
export interface ResourcesOverride {
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

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

/** Parses a CPU quantity to cores (e.g. `250m` = 0.25). */
export function cpuCores(q: string): number {
  if (q.endsWith('m')) return Number(q.slice(0, -1)) / 1000;
  return Number(q);
}

const BIN: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DEC: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };

/** Parses a memory/storage quantity to bytes (e.g. `256Mi`). */
export function quantityBytes(q: string): number {
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q);
  if (!m) return NaN;
  const n = Number(m[1]);
  const unit = m[2];
  if (unit === '') return n;
  if (BIN[unit] !== undefined) return n * BIN[unit];
  if (DEC[unit] !== undefined) return n * DEC[unit];
  return NaN;
}

/** Validation rules for a resources override, under the given field path. */
export function resourceRules(field: string, r: ResourcesOverride | undefined, resolved: Resources): Rule[] {
  const rules: Rule[] = [
    { field: `${field}.requests.cpu`, value: r?.requests?.cpu, ok: is.quantity, allowed: is.quantityAllowed },
    { field: `${field}.requests.memory`, value: r?.requests?.memory, ok: is.quantity, allowed: is.quantityAllowed },
    { field: `${field}.limits.cpu`, value: r?.limits?.cpu, ok: is.quantity, allowed: is.quantityAllowed },
    { field: `${field}.limits.memory`, value: r?.limits?.memory, ok: is.quantity, allowed: is.quantityAllowed },
  ];
  if ([resolved.requests.cpu, resolved.limits.cpu, resolved.requests.memory, resolved.limits.memory].every(is.quantity)) {
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
