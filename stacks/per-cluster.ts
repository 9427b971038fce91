import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { TelemetryBackends } from './backends';
import { TelemetryCollection } from './collection';
import { ensureValidConfig, LgtmConfig } from './config';
import { TelemetryNamespace } from './namespace';
import { stackNetworkPolicies } from './network';
import { DEFAULT_NAMESPACE, perClusterSections } from './props';

/**
 * Per-cluster layout: the full stack in one cluster's telemetry namespace —
 * the four backends, the three signal collectors, node agents, and the
 * kgateway policies (with their ReferenceGrants) for the configured Gateways.
 */
export class PerClusterStack extends Chart {
  /** Which layout chart this is. */
  public readonly role = 'per-cluster' as const;
  public readonly backends: TelemetryBackends;
  public readonly collection: TelemetryCollection;

  constructor(scope: Construct, id: string, config: LgtmConfig) {
    ensureValidConfig(config, 'PerClusterStack config');
    const namespace = config.namespace ?? DEFAULT_NAMESPACE;
    super(scope, id, { namespace, disableResourceNameHashes: true });
    new TelemetryNamespace(this, 'namespace', { name: namespace });
    const { backends, collection } = perClusterSections(config);
    this.backends = new TelemetryBackends(this, 'backends', backends!);
    this.collection = new TelemetryCollection(this, 'collection', { ...collection, namespace, destination: { backends: this.backends } });
    this.backends.collect(this);
    stackNetworkPolicies(this, namespace, config.networkPolicy);
  }
}
