/**
 * The dashboards the stack's own components ship (default options), rendered
 * at build time: `npm run build` runs scripts/prebuild-dashboards.js, which
 * writes them to prebuilt-dashboards.json next to this module (the jest
 * global setup does the same from the TypeScript source). Synthesis then
 * neither loads the Grafana Foundation SDK nor builds the same dashboards
 * again — in a fleet, once per workload cluster.
 *
 * The builders themselves (`./backends`, `./collector`, …) stay the API for
 * other options; the tests check that the prebuilt file holds exactly what
 * they build.
 */
import { deepFreeze } from '../lib/freeze';
import { isValidPromql, promqlAllowed, promqlTargets, rememberVerifiedPromql } from '../lib/promql';
import type { DashboardSpec } from './types';

/** The dashboards the stack's components ship, by name. */
export const DEFAULT_DASHBOARDS = ['backends', 'collector', 'gateway', 'services'] as const;
export type DefaultDashboardName = (typeof DEFAULT_DASHBOARDS)[number];

/** Builds a default dashboard with the SDK (what the build renders ahead of time). */
export function buildDefaultDashboard(name: DefaultDashboardName): DashboardSpec {
  /* eslint-disable @typescript-eslint/no-require-imports */
  switch (name) {
    case 'backends':
      return (require('./backends') as typeof import('./backends')).backendsDashboard();
    case 'collector':
      return (require('./collector') as typeof import('./collector')).collectorDashboard();
    case 'gateway':
      return (require('./gateway') as typeof import('./gateway')).gatewayDashboard();
    case 'services':
      return (require('./services') as typeof import('./services')).servicesDashboard();
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
}

let prebuilt: Record<DefaultDashboardName, DashboardSpec> | undefined;

/**
 * A default dashboard of the stack, read from the prebuilt file once and
 * shared: it is deeply frozen, so callers copy what they keep (as
 * `Grafana.addDashboard` does). Its PromQL queries were checked at build
 * time, so `Grafana.addDashboard` knows them without parsing them again.
 */
export function defaultDashboard(name: DefaultDashboardName): DashboardSpec {
  if (prebuilt === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded = deepFreeze(require('./prebuilt-dashboards.json') as Record<DefaultDashboardName, DashboardSpec>);
      // Their queries were checked when they were prebuilt (scripts/prebuild-dashboards.js): Grafana.addDashboard need not parse them again.
      for (const d of Object.values(loaded)) rememberVerifiedPromql(queriesOf(d));
      prebuilt = loaded;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
        throw new Error('the prebuilt dashboards (dashboards/prebuilt-dashboards.json) are missing; run `npm run build`');
      }
      throw e;
    }
  }
  const d = prebuilt[name];
  if (d === undefined) throw new Error(`the prebuilt dashboards have no "${name}" dashboard; run \`npm run build\``);
  return d;
}

/** The PromQL queries of a dashboard: those `Grafana.addDashboard` checks. */
function queriesOf(d: DashboardSpec): string[] {
  return promqlTargets(d.json as Record<string, unknown>)
    .map((q) => q.expr)
    .filter((e): e is string => typeof e === 'string');
}

/**
 * Checks that every PromQL query of a dashboard parses, as
 * `Grafana.addDashboard` does: the build runs it on every default dashboard
 * when it prebuilds them (scripts/prebuild-dashboards.js) and fails on a
 * query that does not parse. Throws naming the query.
 */
export function checkQueries(d: DashboardSpec): void {
  const bad = promqlTargets(d.json as Record<string, unknown>).filter((q) => !isValidPromql(q.expr));
  if (bad.length > 0) throw new Error(`dashboard ${d.uid}: ${bad.map((q) => `${q.at}.expr is not ${promqlAllowed(q.expr)}`).join('; ')}`);
}
