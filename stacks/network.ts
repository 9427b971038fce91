import { Chart } from 'cdk8s';
import { NetworkPolicies, NetworkPolicyOptions, NetworkWiring } from '../lib/network';
import { Rule } from '../lib/validation';
import type { LgtmConfig } from './config';

/**
 * The NetworkPolicies of a layout chart, from the config's `networkPolicy`
 * section: created last, when every component of the chart exists. Extra
 * allows apply in each cluster that runs the workload they name.
 */
export function stackNetworkPolicies(chart: Chart, namespace: string, o: NetworkPolicyOptions | undefined): NetworkPolicies | undefined {
  if (o?.enabled === false) return undefined;
  const { enabled: _enabled, allow, ...settings } = o ?? {};
  const here = new Set(NetworkWiring.of(chart).workloads.filter((w) => w.namespace === namespace).map((w) => w.name));
  return new NetworkPolicies(chart, 'network-policies', { namespace, ...settings, allow: (allow ?? []).filter((a) => here.has(a.workload)) });
}

/** The workloads (their names) a config runs, in any of its clusters. */
export function layoutWorkloadNames(c: LgtmConfig): Set<string> {
  const on = (s: { enabled?: boolean } | undefined) => s?.enabled !== false;
  const names = new Set<string>();
  const backends = () => {
    for (const k of ['loki', 'tempo', 'prometheus', 'grafana'] as const) if (on(c[k])) names.add(k);
  };
  const collection = (agents: { enabled?: boolean } | undefined, viaGateway: boolean) => {
    const metrics = viaGateway || on(c.prometheus);
    const logs = viaGateway || on(c.loki);
    const traces = viaGateway || on(c.tempo);
    if (metrics) names.add('otel-metrics');
    if (logs) names.add('otel-logs');
    if (traces) names.add('otel-traces');
    if (metrics && logs && traces && (agents?.enabled ?? true)) names.add('otel-agent');
  };
  backends();
  collection(c.agents, false);
  if (c.layout === 'multi-cluster') {
    names.add('otel-gateway');
    for (const wc of c.multiCluster?.workloadClusters ?? []) collection(wc?.agents ?? c.agents, true);
  }
  return names;
}

/** Rules of `networkPolicy.allow`: each names a workload the config runs. */
export function allowWorkloadRules(c: LgtmConfig): Rule[] {
  const allow = c.networkPolicy?.allow;
  if (!Array.isArray(allow)) return [];
  const names = [...layoutWorkloadNames(c)].sort();
  return allow.map((a, i) => ({
    field: `networkPolicy.allow[${i}].workload`,
    value: a?.workload,
    ok: (v: string) => names.includes(v),
    allowed: `a workload this deployment runs: ${names.map((n) => JSON.stringify(n)).join(', ')}`,
  }));
}
