import { App } from 'cdk8s';
import { ValidationError } from '../lib/validation';
import { setDeployment } from './deployment';
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
 * Each chart is marked as belonging to the config's deployment
 * ({@link chartPrefix}).
 */
export function addCharts(app: App, config: LgtmConfig, opts: { gatewayHost?: string } = {}): LayoutChart[] {
  const prefix = chartPrefix(config);
  const charts = layoutCharts(app, prefix, config, opts);
  for (const chart of charts) setDeployment(chart, prefix);
  return charts;
}

function layoutCharts(app: App, prefix: string, config: LgtmConfig, opts: { gatewayHost?: string }): LayoutChart[] {
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
    try {
      addCharts(app, config);
    } catch (e) {
      // A construct refusing props the config validator let through is still the file's problem: name the file.
      if (e instanceof ValidationError) throw e.withSource(source);
      throw e;
    }
  }
  return app;
}

/** Kubernetes' limit on the data of one ConfigMap or Secret (validation's MaxSecretSize, also used for ConfigMaps). */
export const MAX_CONFIGMAP_BYTES = 1024 * 1024;

/**
 * Checks rendered objects against limits only known after rendering: every
 * ConfigMap and Secret must hold at most {@link MAX_CONFIGMAP_BYTES} of data
 * (keys and values), or the API server refuses it.
 * @param source the config file the objects were rendered from
 */
export function checkRendered(objects: readonly any[], fileName: string, source: string): void {
  const problems = [];
  for (const o of objects) {
    if (o?.kind !== 'ConfigMap' && o?.kind !== 'Secret') continue;
    let bytes = 0;
    for (const field of ['data', 'binaryData', 'stringData']) {
      for (const [k, v] of Object.entries<string>(o[field] ?? {})) bytes += Buffer.byteLength(k) + Buffer.byteLength(String(v));
    }
    if (bytes > MAX_CONFIGMAP_BYTES) {
      problems.push({
        field: `(rendered ${fileName}) ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`,
        value: `${bytes} bytes`,
        allowed: `at most ${MAX_CONFIGMAP_BYTES} bytes of data, Kubernetes' limit for one ${o.kind} (shorten the lists in the config that feed it)`,
      });
    }
  }
  if (problems.length > 0) throw new ValidationError(problems, source);
}
