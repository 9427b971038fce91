/**
 * The Pulumi program (`pulumi up` per environment). Reads the deployment from
 * stack config `otel-lgtm-k8s:deployment` — the same schema as the cdk8s
 * config files — plus secret config and one Kubernetes provider per cluster
 * from `otel-lgtm-k8s:clusters` (kubeconfig path or context per cluster name).
 * Every `clusters` entry must name a cluster of the deployment, and at most one
 * cluster may go without an entry (it uses the default provider): a misspelt
 * or missing entry must not send a cluster's objects to the ambient cluster.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { is, validate } from '../lib/validation';
import { validateConfig } from '../stacks/config';
import { clusterNames, LgtmStack } from './stack';

export interface ClusterAccess {
  /** kubeconfig context name. */
  readonly context?: string;
  /** Path to (or contents of) a kubeconfig. */
  readonly kubeconfig?: string;
}

export function run() {
  const cfg = new pulumi.Config('otel-lgtm-k8s');
  const deployment = cfg.requireObject<unknown>('deployment');
  const clusters = cfg.getObject<Record<string, ClusterAccess>>('clusters') ?? {};
  // The deployment's cluster names (validated again, identically, by LgtmStack).
  const config = validateConfig(deployment, 'pulumi config "otel-lgtm-k8s:deployment"', 'pulumi');
  const names = clusterNames(config);
  const unassigned = names.filter((n) => clusters[n] === undefined);
  validate('pulumi config "otel-lgtm-k8s:clusters"', [
    ...Object.entries(clusters).flatMap(([name, c]) => [
      // A misspelt cluster would otherwise silently deploy to the default provider's cluster.
      { field: `clusters.${name}`, value: name, ok: (v: string) => names.includes(v), allowed: `a cluster of the deployment: ${names.join(', ')}` },
      { field: `clusters.${name}`, value: c, ok: (v: ClusterAccess) => typeof v === 'object' && v !== null && (v.context !== undefined || v.kubeconfig !== undefined), allowed: 'an object with "context" and/or "kubeconfig"' },
      { field: `clusters.${name}.context`, value: c?.context, ok: is.nonEmpty, allowed: 'a kubeconfig context name' },
    ]),
    // Two clusters on the default provider would put both clusters' objects (same names) into one cluster.
    { field: 'clusters', value: unassigned, ok: (v: string[]) => v.length <= 1, allowed: 'an entry for every cluster of the deployment, except at most one that uses the default provider' },
  ]);
  const providers = Object.fromEntries(
    // ConfigMaps and Secrets are updated in place (their checksums roll the pods), not replaced.
    Object.entries(clusters).map(([name, c]) => [
      name,
      new k8s.Provider(`cluster-${name}`, { context: c.context, kubeconfig: c.kubeconfig, enableConfigMapMutable: true, enableSecretMutable: true }),
    ]),
  );
  const stack = new LgtmStack('lgtm', {
    config: deployment,
    providers,
    secrets: {
      grafanaAdminUser: cfg.get('grafanaAdminUser'),
      grafanaAdminPassword: cfg.getSecret('grafanaAdminPassword'),
      objectStoreAccessKeyId: cfg.getSecret('objectStoreAccessKeyId'),
      objectStoreSecretAccessKey: cfg.getSecret('objectStoreSecretAccessKey'),
      telemetryGatewayToken: cfg.getSecret('telemetryGatewayToken'),
    },
  });
  return {
    grafanaService: stack.grafanaService,
    gatewayAddress: stack.gatewayAddress,
    clusters: stack.clusters,
  };
}
