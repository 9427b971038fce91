import { Construct, IConstruct } from 'constructs';
import { collectObservability } from '../lib/observability';
import { Grafana, GrafanaProps } from '../components/grafana';
import { Loki, LokiProps } from '../components/loki';
import { Prometheus, PrometheusProps } from '../components/prometheus';
import { Tempo, TempoProps } from '../components/tempo';
import { omit, validateProps } from '../lib/schema';
import { GRAFANA_PROPS, grafanaRules } from '../components/grafana/options';
import { LOKI_PROPS, lokiRules } from '../components/loki/options';
import { PROMETHEUS_PROPS, prometheusRules } from '../components/prometheus/options';
import { TEMPO_PROPS, tempoRules } from '../components/tempo/options';

/** `false` disables a component; an object configures it. */
export type Toggle<T> = T | false;

export interface TelemetryBackendsProps {
  /** Namespace of all four backends. */
  readonly namespace: string;
  /** @default {} (enabled with defaults) */
  readonly loki?: Toggle<LokiProps>;
  /** The metrics-generator is wired to Prometheus automatically when both run. @default {} */
  readonly tempo?: Toggle<Omit<TempoProps, 'metricsGenerator'>>;
  /** @default {} */
  readonly prometheus?: Toggle<PrometheusProps>;
  /** Datasources are provisioned for every enabled backend. @default {} */
  readonly grafana?: Toggle<Omit<GrafanaProps, 'prometheus' | 'loki' | 'tempo'>>;
}

/**
 * Loki, Tempo, Prometheus and Grafana, wired together: Tempo's
 * metrics-generator remote-writes to Prometheus, Grafana gets every enabled
 * backend as a cross-linked datasource, and Prometheus scrapes every backend
 * through its typed endpoint (so the "backend down" alerts have an `up`
 * series per job named after the component).
 */
export class TelemetryBackends extends Construct {
  public readonly loki?: Loki;
  public readonly tempo?: Tempo;
  public readonly prometheus?: Prometheus;
  public readonly grafana?: Grafana;

  constructor(scope: Construct, id: string, props: TelemetryBackendsProps) {
    // Validate every backend's props before any of them (or this construct) joins the tree.
    const { loki, tempo, prometheus, grafana } = props;
    validateProps(
      'TelemetryBackends props',
      [
        ...(loki ? [[LOKI_PROPS, loki, 'loki'] as const] : []),
        ...(tempo ? [[TEMPO_PROPS, tempo, 'tempo'] as const] : []),
        ...(prometheus ? [[PROMETHEUS_PROPS, omit(prometheus, ['scrapeConfigs']), 'prometheus'] as const] : []),
        ...(grafana ? [[GRAFANA_PROPS, grafana, 'grafana'] as const] : []),
      ],
      [
        ...(loki ? lokiRules(loki, 'loki') : []),
        ...(tempo ? tempoRules(tempo, 'tempo') : []),
        ...(prometheus ? prometheusRules(prometheus, 'prometheus') : []),
        ...(grafana ? grafanaRules(grafana, 'grafana') : []),
      ],
    );
    super(scope, id);
    const ns = props.namespace;
    if (props.prometheus !== false) this.prometheus = new Prometheus(this, 'prometheus', { namespace: ns, ...(props.prometheus ?? {}) });
    if (props.loki !== false) this.loki = new Loki(this, 'loki', { namespace: ns, ...(props.loki ?? {}) });
    if (props.tempo !== false) {
      this.tempo = new Tempo(this, 'tempo', {
        namespace: ns,
        ...(props.tempo ?? {}),
        metricsGenerator: this.prometheus ? { prometheus: this.prometheus } : undefined,
      });
    }
    if (props.grafana !== false) {
      this.grafana = new Grafana(this, 'grafana', {
        namespace: ns,
        ...(props.grafana ?? {}),
        prometheus: this.prometheus,
        loki: this.loki,
        tempo: this.tempo,
      });
    }
    if (this.prometheus) {
      for (const target of [this.loki, this.tempo, this.grafana]) if (target) this.prometheus.scrape(target);
    }
  }

  /**
   * Collects the dashboards and alert rules that the components in the given
   * construct trees ship (see `Observable`): Grafana provisions every
   * dashboard, Prometheus loads every rule set. Call it once, after every
   * component of the deployment exists (in multi-cluster, with the workload
   * clusters' charts too, since their data lands in this Prometheus).
   */
  public collect(...roots: IConstruct[]): void {
    const { dashboards, ruleSets } = collectObservability(roots.length > 0 ? roots : [this]);
    if (this.grafana) for (const d of dashboards) this.grafana.addDashboard(d.folder, d.uid, d.json);
    if (this.prometheus) for (const [name, groups] of ruleSets) this.prometheus.addRules(name, groups);
  }
}
