import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { TelemetryBackends } from './backends';
import { TelemetryCollection } from './collection';
import { ensureValidConfig, LgtmConfig } from './config';
import { TelemetryNamespace } from './namespace';
import { stackNetworkPolicies } from './network';
import { DEFAULT_NAMESPACE, singleNodeSections } from './props';

export { SINGLE_NODE_RESOURCES } from './props';

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
    ensureValidConfig(config, 'SingleNodeStack config');
    const namespace = config.namespace ?? DEFAULT_NAMESPACE;
    super(scope, id, { namespace, disableResourceNameHashes: true });
    new TelemetryNamespace(this, 'namespace', { name: namespace });
    const { backends, collection } = singleNodeSections(config);
    this.backends = new TelemetryBackends(this, 'backends', backends!);
    this.collection = new TelemetryCollection(this, 'collection', { ...collection, namespace, destination: { backends: this.backends } });
    this.backends.collect(this);
    stackNetworkPolicies(this, namespace, config.networkPolicy);
  }
}
