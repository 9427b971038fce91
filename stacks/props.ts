/**
 * Maps the configuration schema ({@link LgtmConfig}) onto component props.
 * Kept in one place so that the three layouts and both front ends (cdk8s and
 * Pulumi) read the configuration the same way.
 */
import { GatewayPolicyApi } from '../components/gateway-policies';
import { StorageOptions } from '../lib/storage';
import { ResourcesOverride } from '../lib/resources';
import { TelemetryBackendsProps } from './backends';
import { AgentOptions, CollectorOptions, GatewayPolicyOptions } from './collection';
import { AgentsConfig, CollectorsConfig, GatewayPoliciesConfig, LgtmConfig, ObjectStorageConfig } from './config';

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

/** Deep-merges a user override onto a layout default (user wins field by field). */
export function mergeResources(base: ResourcesOverride | undefined, user: ResourcesOverride | undefined): ResourcesOverride | undefined {
  if (!base) return user;
  if (!user) return base;
  return {
    requests: { ...base.requests, ...user.requests },
    limits: { ...base.limits, ...user.limits },
  };
}

function storage(s: ObjectStorageConfig | undefined): StorageOptions | undefined {
  if (!s) return undefined;
  return { volume: s.volume, s3: s.s3 };
}

/** Backends props from the config (enable flags become `false`). */
export function backendsProps(c: LgtmConfig, namespace: string, defaults: ResourceDefaults = {}): TelemetryBackendsProps {
  return {
    namespace,
    loki:
      c.loki?.enabled === false
        ? false
        : { resources: mergeResources(defaults.loki, c.loki?.resources), storage: storage(c.loki?.storage), retention: c.loki?.retention, tenant: c.loki?.tenant },
    tempo:
      c.tempo?.enabled === false
        ? false
        : { resources: mergeResources(defaults.tempo, c.tempo?.resources), storage: storage(c.tempo?.storage), retention: c.tempo?.retention },
    prometheus:
      c.prometheus?.enabled === false
        ? false
        : {
            resources: mergeResources(defaults.prometheus, c.prometheus?.resources),
            volume: c.prometheus?.storage?.volume,
            retention: c.prometheus?.retention,
            scrapeInterval: c.prometheus?.scrapeInterval,
          },
    grafana:
      c.grafana?.enabled === false
        ? false
        : {
            resources: mergeResources(defaults.grafana, c.grafana?.resources),
            adminCredentials: c.grafana?.adminSecret
              ? { secretName: c.grafana.adminSecret.name, userKey: c.grafana.adminSecret.userKey, passwordKey: c.grafana.adminSecret.passwordKey }
              : undefined,
          },
  };
}

export function collectorOptions(c: CollectorsConfig | undefined, defaults: ResourceDefaults = {}): CollectorOptions {
  return {
    mode: c?.mode,
    replicas: c?.replicas,
    resources: mergeResources(defaults.collectors, c?.resources),
    debug: c?.debug,
    metricsExport: c?.metricsExport,
  };
}

export function agentOptions(a: AgentsConfig | undefined, defaults: ResourceDefaults = {}): AgentOptions {
  return { enabled: a?.enabled, resources: mergeResources(defaults.agents, a?.resources), metricAllowlist: a?.metricAllowlist };
}

export function policyOptions(g: GatewayPoliciesConfig | undefined): GatewayPolicyOptions | undefined {
  if (!g) return undefined;
  return {
    api: g.api as GatewayPolicyApi | undefined,
    samplingPercent: g.samplingPercent,
    gateways: g.gateways.map((x) => ({ name: x.name, namespace: x.namespace, serviceName: x.serviceName })),
  };
}
