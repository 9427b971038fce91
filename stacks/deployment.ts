import { Chart } from 'cdk8s';

const DEPLOYMENT = new WeakMap<Chart, string>();

/**
 * Records which deployment (one config: its layout and name, e.g.
 * `multi-cluster-fleet`) a chart belongs to. The rendered files remember it,
 * so a later render of the same deployment replaces and removes exactly the
 * files an earlier one wrote (see `writeRendered`).
 */
export function setDeployment(chart: Chart, deployment: string): void {
  DEPLOYMENT.set(chart, deployment);
}

/** The deployment a chart belongs to; a chart nobody marked is a deployment of its own, named by its id. */
export function deploymentOf(chart: Chart): string {
  return DEPLOYMENT.get(chart) ?? chart.node.id;
}
