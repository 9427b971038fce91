import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { TelemetryBackends } from './backends';
import { TelemetryCollection } from './collection';
import { LgtmConfig } from './config';
import { TelemetryNamespace } from './namespace';
import { agentOptions, backendsProps, collectorOptions, DEFAULT_NAMESPACE, mergeResources, policyOptions, ResourceDefaults } from './props';

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

/** The single-node budget: the sum of all requests stays within these. */
export const SINGLE_NODE_BUDGET = { cpu: 1, memoryBytes: 2 * 2 ** 30 } as const;

/**
 * Single-node layout (a laptop or a one-node cluster): one namespace, one
 * replica of everything, small PVCs and no object store. Grafana is reached
 * with `kubectl port-forward`.
 */
export class SingleNodeStack extends Chart {
  /** Which layout chart this is. */
  public readonly role = 'single-node' as const;
  public readonly backends: TelemetryBackends;
  public readonly collection: TelemetryCollection;

  constructor(scope: Construct, id: string, config: LgtmConfig) {
    const namespace = config.namespace ?? DEFAULT_NAMESPACE;
    super(scope, id, { namespace, disableResourceNameHashes: true });
    new TelemetryNamespace(this, 'namespace', { name: namespace });
    const small = {
      ...config,
      loki: { ...config.loki, storage: { volume: { size: '2Gi', ...config.loki?.storage?.volume } } },
      tempo: { ...config.tempo, storage: { volume: { size: '2Gi', ...config.tempo?.storage?.volume } } },
      prometheus: {
        ...config.prometheus,
        storage: { volume: { size: '2Gi', ...config.prometheus?.storage?.volume } },
        retention: { time: '7d', size: '1500MB', ...config.prometheus?.retention },
      },
    };
    this.backends = new TelemetryBackends(this, 'backends', backendsProps(small, namespace, SINGLE_NODE_RESOURCES));
    this.collection = new TelemetryCollection(this, 'collection', {
      namespace,
      clusterName: config.clusterName!,
      destination: { backends: this.backends },
      collectors: {
        ...collectorOptions(config.collectors, SINGLE_NODE_RESOURCES),
        metricsResources: mergeResources(SINGLE_NODE_RESOURCES.metricsCollector, config.collectors?.resources),
        replicas: 1,
      },
      agents: agentOptions(config.agents, SINGLE_NODE_RESOURCES),
      gatewayPolicies: policyOptions(config.gatewayPolicies),
    });
    this.backends.collect(this);
  }
}
