import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { TelemetryBackends } from './backends';
import { TelemetryCollection } from './collection';
import { LgtmConfig } from './config';
import { TelemetryNamespace } from './namespace';
import { agentOptions, backendsProps, collectorOptions, DEFAULT_NAMESPACE, policyOptions } from './props';

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
    const namespace = config.namespace ?? DEFAULT_NAMESPACE;
    super(scope, id, { namespace, disableResourceNameHashes: true });
    new TelemetryNamespace(this, 'namespace', { name: namespace });
    this.backends = new TelemetryBackends(this, 'backends', backendsProps(config, namespace));
    this.collection = new TelemetryCollection(this, 'collection', {
      namespace,
      clusterName: config.clusterName!,
      destination: { backends: this.backends },
      collectors: collectorOptions(config.collectors),
      agents: agentOptions(config.agents),
      gatewayPolicies: policyOptions(config.gatewayPolicies),
    });
    this.backends.collect(this);
  }
}
