/**
 * Plain data types the dashboard and alert-rule builders return. The Grafana
 * and Prometheus components consume them:
 * `grafana.addDashboard(spec.folder, spec.uid, spec.json)` and
 * `prometheus.addRules(name, groups)`.
 */

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
 * An alerting rule in the Prometheus rule-file format
 * (prometheus v3.14.0 docs/configuration/alerting_rules.md: alert, expr, for,
 * keep_firing_for, labels, annotations).
 */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * A `<rule_group>` (prometheus v3.14.0 docs/configuration/recording_rules.md:
 * name, interval, limit, query_offset, labels, rules).
 */
export interface RuleGroup {
  readonly name: string;
  /** @default the global evaluation_interval */
  readonly interval?: string;
  readonly rules: AlertRule[];
}

/** Grafana data source reference. */
export interface DatasourceRef {
  readonly type: 'prometheus' | 'tempo' | 'loki';
  readonly uid: string;
}
