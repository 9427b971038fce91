/**
 * Plain data types the dashboard and alert-rule builders return. The Grafana
 * and Prometheus components consume them:
 * `grafana.addDashboard(spec.folder, spec.uid, spec.json)` and
 * `prometheus.addRules(name, groups)`.
 */
import type { AlertingRule, RuleGroup as PrometheusRuleGroup } from '../components/prometheus/config';

/** A built dashboard and where it goes. */
export interface DashboardSpec {
  /** Grafana folder title (and provisioning sub-directory). */
  readonly folder: string;
  /** Stable dashboard uid: 1-40 characters from [a-zA-Z0-9_-]. */
  readonly uid: string;
  readonly title: string;
  /** The dashboard JSON model (Grafana Foundation SDK `DashboardBuilder.build()`). */
  readonly json: object;
}

/** Severity label values the alert rules use (`labels.severity`). */
export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * An alerting rule in the Prometheus rule-file format: the Prometheus
 * component's own type (prometheus v3.14.0 docs/configuration/alerting_rules.md).
 */
export type AlertRule = AlertingRule;

/** A `<rule_group>` of alerting rules, as `prometheus.addRules` loads it. */
export interface RuleGroup extends Omit<PrometheusRuleGroup, 'rules'> {
  readonly rules: AlertRule[];
}

/** Grafana data source reference. */
export interface DatasourceRef {
  readonly type: 'prometheus' | 'tempo' | 'loki';
  readonly uid: string;
}
