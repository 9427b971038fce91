/**
 * The props each layout gives its components, derived from a config by pure
 * functions. The layouts build their charts from these, and the config
 * validator runs the components' rule tables on the very same props under the
 * config paths, so a config that validates builds.
 */
import { ResourcesOverride } from '../lib/resources';
import { TelemetryBackendsProps } from './backends';
import { AgentOptions, CollectionDestination, CollectorOptions, GatewayPolicyOptions } from './collection';
import { LgtmConfig, WorkloadClusterConfig } from './config';

/** Default namespace of every layout. */
export const DEFAULT_NAMESPACE = 'telemetry';

/** Per-component resource defaults that differ from the components' own. */
export interface ResourceDefaults {
  readonly loki?: ResourcesOverride;
  readonly tempo?: ResourcesOverride;
  readonly prometheus?: ResourcesOverride;
  readonly grafana?: ResourcesOverride;
  readonly collectors?: ResourcesOverride;
  readonly metricsCollector?: ResourcesOverride;
  readonly agents?: ResourcesOverride;
}

/**
 * Requests and limits of the single-node layout. The requests of every pod
 * add up to 650m CPU and 1568Mi memory, inside the layout's budget of 1 CPU
 * and 2 GiB (asserted by the tests; README "Single-node budget").
 */
export const SINGLE_NODE_RESOURCES: ResourceDefaults = {
  loki: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  tempo: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  prometheus: { requests: { cpu: '150m', memory: '384Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  grafana: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  collectors: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  metricsCollector: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  agents: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
};

/** Deep-merges a user override onto a layout default (user wins field by field). */
export function mergeResources(base: ResourcesOverride | undefined, user: ResourcesOverride | undefined): ResourcesOverride | undefined {
  if (!base) return user;
  if (!user) return base;
  return {
    requests: { ...base.requests, ...user.requests },
    limits: { ...base.limits, ...user.limits },
  };
}

/** A section without its `enabled` flag: the component's props. */
function propsOf<T extends { enabled?: boolean }>(section: T | undefined, resources: ResourcesOverride | undefined): Omit<T, 'enabled'> | false {
  if (section?.enabled === false) return false;
  const { enabled: _enabled, ...rest } = (section ?? {}) as T;
  return { ...rest, ...(resources !== undefined ? { resources } : {}) } as Omit<T, 'enabled'>;
}

/** Backends props from the config: each section is the component's props (`enabled: false` disables it). */
export function backendsProps(c: LgtmConfig, namespace: string, defaults: ResourceDefaults = {}): TelemetryBackendsProps {
  return {
    namespace,
    loki: propsOf(c.loki, mergeResources(defaults.loki, c.loki?.resources)),
    tempo: propsOf(c.tempo, mergeResources(defaults.tempo, c.tempo?.resources)),
    prometheus: propsOf(c.prometheus, mergeResources(defaults.prometheus, c.prometheus?.resources)),
    grafana: propsOf(c.grafana, mergeResources(defaults.grafana, c.grafana?.resources)),
  };
}

/** The collection props of one cluster, with the config paths they came from. */
export interface CollectionSection {
  readonly clusterName: string;
  readonly collectors: CollectorOptions;
  readonly agents: AgentOptions;
  readonly gatewayPolicies?: GatewayPolicyOptions;
  readonly destination: CollectionDestination;
  /** Where in the config file each part was written. */
  readonly paths: { readonly collectors: string; readonly agents: string; readonly gatewayPolicies: string };
}

/** Everything one chart of a layout builds: the backends (not in workload clusters) and the collection. */
export interface ChartSections {
  readonly backends?: TelemetryBackendsProps;
  readonly collection: CollectionSection;
}

function collection(
  clusterName: string,
  collectors: CollectorOptions | undefined,
  agents: AgentOptions | undefined,
  gatewayPolicies: GatewayPolicyOptions | undefined,
  destination: CollectionDestination,
  paths: CollectionSection['paths'],
  defaults: ResourceDefaults = {},
): CollectionSection {
  return {
    clusterName,
    collectors: { ...collectors, resources: mergeResources(defaults.collectors, collectors?.resources) },
    agents: { ...agents, resources: mergeResources(defaults.agents, agents?.resources) },
    ...(gatewayPolicies !== undefined ? { gatewayPolicies } : {}),
    destination,
    paths,
  };
}

const TOP_PATHS = { collectors: 'collectors', agents: 'agents', gatewayPolicies: 'gatewayPolicies' } as const;

/** Single-node: one replica of everything, 2Gi volumes, a 1500MB/7d Prometheus retention, the layout's small resources. */
export function singleNodeSections(config: LgtmConfig): ChartSections {
  const namespace = config.namespace ?? DEFAULT_NAMESPACE;
  const small: LgtmConfig = {
    ...config,
    loki: { ...config.loki, storage: { volume: { size: '2Gi', ...config.loki?.storage?.volume } } },
    tempo: { ...config.tempo, storage: { volume: { size: '2Gi', ...config.tempo?.storage?.volume } } },
    prometheus: {
      ...config.prometheus,
      storage: { volume: { size: '2Gi', ...config.prometheus?.storage?.volume } },
      retention: { time: '7d', size: '1500MB', ...config.prometheus?.retention },
    },
  };
  const base = collection(config.clusterName!, config.collectors, config.agents, config.gatewayPolicies, 'backends', TOP_PATHS, SINGLE_NODE_RESOURCES);
  return {
    backends: backendsProps(small, namespace, SINGLE_NODE_RESOURCES),
    collection: {
      ...base,
      collectors: {
        ...base.collectors,
        metricsResources: mergeResources(SINGLE_NODE_RESOURCES.metricsCollector, config.collectors?.metricsResources ?? config.collectors?.resources),
        replicas: 1,
      },
    },
  };
}

/** Per-cluster: the sections as written. */
export function perClusterSections(config: LgtmConfig): ChartSections {
  return {
    backends: backendsProps(config, config.namespace ?? DEFAULT_NAMESPACE),
    collection: collection(config.clusterName!, config.collectors, config.agents, config.gatewayPolicies, 'backends', TOP_PATHS),
  };
}

/** Multi-cluster management cluster: the backends and its own collection. */
export function managementSections(config: LgtmConfig): ChartSections {
  const mc = config.multiCluster!;
  return {
    backends: backendsProps(config, config.namespace ?? DEFAULT_NAMESPACE),
    collection: collection(mc.management.name, config.collectors, config.agents, mc.management.gatewayPolicies, 'backends', {
      ...TOP_PATHS,
      gatewayPolicies: 'multiCluster.management.gatewayPolicies',
    }),
  };
}

/** Multi-cluster workload cluster `i`: its collection (its own collectors/agents, else the top-level ones), exporting to the gateway. */
export function workloadSections(config: LgtmConfig, wc: WorkloadClusterConfig, i: number): ChartSections {
  const at = `multiCluster.workloadClusters[${i}]`;
  return {
    collection: collection(wc.name, wc.collectors ?? config.collectors, wc.agents ?? config.agents, wc.gatewayPolicies, 'gateway', {
      collectors: wc.collectors !== undefined ? `${at}.collectors` : 'collectors',
      agents: wc.agents !== undefined ? `${at}.agents` : 'agents',
      gatewayPolicies: `${at}.gatewayPolicies`,
    }),
  };
}

/** The sections of every chart a config builds, in chart order. */
export function layoutSections(config: LgtmConfig): ChartSections[] {
  switch (config.layout) {
    case 'single-node':
      return [singleNodeSections(config)];
    case 'per-cluster':
      return [perClusterSections(config)];
    case 'multi-cluster':
      return [managementSections(config), ...config.multiCluster!.workloadClusters.map((wc, i) => workloadSections(config, wc, i))];
  }
}
