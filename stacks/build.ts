import { App } from 'cdk8s';
import { ValidationError } from '../lib/validation';
import { LgtmConfig } from './config';
import { SourcedConfig } from './load';
import { ManagementClusterStack, multiClusterCharts, WorkloadClusterStack } from './multi-cluster';
import { PerClusterStack } from './per-cluster';
import { SingleNodeStack } from './single-node';

/** Any chart a layout renders. */
export type LayoutChart = SingleNodeStack | PerClusterStack | ManagementClusterStack | WorkloadClusterStack;

/** Chart id prefix of a config: the layout, then the deployment name if any. File names start with it. */
export function chartPrefix(config: LgtmConfig): string {
  return config.name ? `${config.layout}-${config.name}` : config.layout;
}

/**
 * Adds the charts of one validated config to an app: one chart for the
 * single-node and per-cluster layouts, one per cluster for multi-cluster.
 */
export function addCharts(app: App, config: LgtmConfig, opts: { gatewayHost?: string } = {}): LayoutChart[] {
  const prefix = chartPrefix(config);
  switch (config.layout) {
    case 'single-node':
      return [new SingleNodeStack(app, prefix, config)];
    case 'per-cluster':
      return [new PerClusterStack(app, prefix, config)];
    case 'multi-cluster': {
      const { management, workloads } = multiClusterCharts(app, prefix, config, opts);
      return [management, ...workloads];
    }
  }
}

/**
 * Builds one app holding the charts of every config. Two configs that would
 * write the same file are refused (naming both sources).
 */
export function buildApp(configs: SourcedConfig[], outdir?: string): App {
  const app = new App({ outdir });
  const owner = new Map<string, string>();
  for (const { source, config } of configs) {
    if (config.layout === 'multi-cluster' && !config.multiCluster?.management.telemetryGateway.externalHost) {
      throw new ValidationError(
        [{ field: 'multiCluster.management.telemetryGateway.externalHost', value: undefined, allowed: 'the DNS name workload clusters dial (required for cdk8s output; the Pulumi front end can use the LoadBalancer address instead)' }],
        source,
      );
    }
    const prefix = chartPrefix(config);
    const other = owner.get(prefix);
    if (other !== undefined) {
      throw new ValidationError([{ field: 'name', value: config.name, allowed: `a deployment name not already used for layout "${config.layout}" by ${other}` }], source);
    }
    owner.set(prefix, source);
    addCharts(app, config);
  }
  return app;
}
