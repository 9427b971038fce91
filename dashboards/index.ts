/**
 * Dashboards and alert rules for the LGTM stack, as plain data:
 *
 * - every `*Dashboard()` returns a {@link DashboardSpec} for
 *   `grafana.addDashboard(spec.folder, spec.uid, spec.json)`;
 * - every `*Alerts()` returns `RuleGroup[]` for `prometheus.addRules(name, groups)`.
 */
import { stringifyYaml } from '../lib/yaml-writer';
import { backendsDashboard } from './backends';
import { collectorDashboard } from './collector';
import { gatewayDashboard } from './gateway';
import { CollectorMetricNaming } from './metrics';
import { servicesDashboard } from './services';
import { DashboardSpec, RuleGroup } from './types';
import { collectorAlerts, CollectorAlertOptions } from './alerts/collector';
import { JobOptions } from './alerts/common';
import { gatewayAlerts, GatewayAlertOptions } from './alerts/gateway';
import { lokiAlerts } from './alerts/loki';
import { prometheusAlerts } from './alerts/prometheus';
import { tempoAlerts } from './alerts/tempo';

export * from './types';
export * from './metrics';
export { DEFAULT_FOLDER, DEFAULT_PROMETHEUS_UID, DEFAULT_TEMPO_UID, DASHBOARD_UID } from './options';
export type { DashboardOptions } from './options';
export * from './gateway';
export * from './collector';
export * from './backends';
export * from './services';
export * from './alerts';

/** Options of {@link stackDashboards}. */
export interface StackDashboardsOptions {
  /** @default 'prometheus' */
  readonly prometheusUid?: string;
  /** @default 'tempo' */
  readonly tempoUid?: string;
  /** @default 'LGTM' */
  readonly folder?: string;
  /** @default 'prometheus' */
  readonly collectorNaming?: CollectorMetricNaming;
  /** Include the kgateway dashboard. @default true */
  readonly gateway?: boolean;
}

/** Every dashboard of the stack. */
export function stackDashboards(o: StackDashboardsOptions = {}): DashboardSpec[] {
  const common = { datasourceUid: o.prometheusUid, folder: o.folder };
  return [
    ...(o.gateway === false ? [] : [gatewayDashboard(common)]),
    collectorDashboard({ ...common, naming: o.collectorNaming }),
    backendsDashboard(common),
    servicesDashboard({ prometheusUid: o.prometheusUid, tempoUid: o.tempoUid, folder: o.folder }),
  ];
}

/**
 * Options of {@link stackRuleSets}: the scrape job of each component, as
 * returned by whoever created it (`Prometheus.scrape(loki)`,
 * `prometheus.selfJob`; the collector and kgateway jobs default to the
 * metrics collector's discovery jobs), and thresholds.
 */
export interface StackRuleSetsOptions {
  readonly collector?: CollectorAlertOptions;
  readonly loki: JobOptions;
  readonly tempo: JobOptions;
  readonly prometheus: JobOptions;
  /** kgateway data-plane rules; `false` leaves them out. @default {} */
  readonly gateway?: GatewayAlertOptions | false;
}

/** Every rule set of the stack, keyed by a DNS-label name for `prometheus.addRules(name, groups)`. */
export function stackRuleSets(o: StackRuleSetsOptions): Record<string, RuleGroup[]> {
  return {
    'otel-collector': collectorAlerts(o.collector),
    loki: lokiAlerts(o.loki),
    tempo: tempoAlerts(o.tempo),
    prometheus: prometheusAlerts(o.prometheus),
    ...(o.gateway === false ? {} : { kgateway: gatewayAlerts(o.gateway) }),
  };
}

/** A Prometheus rule file (`groups:`) as YAML. */
export function rulesYaml(groups: readonly RuleGroup[]): string {
  return stringifyYaml({ groups });
}
