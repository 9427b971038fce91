import { IConstruct } from 'constructs';
import type { DashboardSpec, RuleGroup } from '../dashboards/types';
import { ValidationError } from './validation';

/**
 * What a component ships for operators: its dashboards and its alert rule
 * sets (keyed by a DNS-label name, one rule file each). Components implement
 * {@link Observable}; the Grafana and Prometheus constructs collect them (see
 * `TelemetryBackends.collect`), in the spirit of kube-prometheus mixins.
 */
export interface ObservabilityContent {
  readonly dashboards?: readonly DashboardSpec[];
  readonly ruleSets?: Readonly<Record<string, readonly RuleGroup[]>>;
}

export interface Observable {
  observability(): ObservabilityContent;
}

export function isObservable(x: unknown): x is Observable {
  return typeof x === 'object' && x !== null && typeof (x as Observable).observability === 'function';
}

/** Everything collected from a set of construct trees, de-duplicated. */
export interface CollectedObservability {
  readonly dashboards: DashboardSpec[];
  readonly ruleSets: Map<string, RuleGroup[]>;
}

/**
 * Walks the given construct trees and gathers every component's dashboards
 * and rule sets. Several components may ship the same dashboard or rule set
 * (all collectors ship the collector dashboard): the same uid or name is kept
 * once when its content is identical, and a conflicting duplicate is an error.
 */
export function collectObservability(roots: readonly IConstruct[]): CollectedObservability {
  const dashboards = new Map<string, DashboardSpec>();
  const ruleSets = new Map<string, RuleGroup[]>();
  // The rule sets as shipped: content shared by many components (one per cluster) is compared by reference first.
  const shipped = new Map<string, readonly RuleGroup[]>();
  const seen = new Set<IConstruct>();
  for (const root of roots) {
    for (const c of root.node.findAll()) {
      if (seen.has(c) || !isObservable(c)) continue;
      seen.add(c);
      const content = c.observability();
      for (const d of content.dashboards ?? []) {
        const prev = dashboards.get(d.uid);
        if (prev && prev !== d && JSON.stringify(prev) !== JSON.stringify(d)) throw new ValidationError([{ field: 'dashboards[].uid', value: d.uid, allowed: 'a dashboard uid shipped once, or twice with the same content' }], `${c.constructor.name} observability`);
        dashboards.set(d.uid, d);
      }
      for (const [name, groups] of Object.entries(content.ruleSets ?? {})) {
        const prev = ruleSets.get(name);
        if (prev && shipped.get(name) !== groups && JSON.stringify(prev) !== JSON.stringify(groups)) throw new ValidationError([{ field: 'ruleSets', value: name, allowed: 'a rule set name shipped once, or twice with the same content' }], `${c.constructor.name} observability`);
        if (!prev) ruleSets.set(name, [...groups]);
        shipped.set(name, groups);
      }
    }
  }
  return { dashboards: [...dashboards.values()], ruleSets };
}
