/**
 * Shared panel and dashboard builders on top of the Grafana Foundation SDK, so
 * every dashboard gets the same conventions: explicit panel ids, a data source
 * on every panel and every target, refIds, visible legends (the SDK's default
 * hides them), a shared crosshair and read-only provisioning.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as nodegraph from '@grafana/grafana-foundation-sdk/nodegraph';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as tempo from '@grafana/grafana-foundation-sdk/tempo';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { DatasourceRef } from './types';

/** Hands out panel ids, unique within one dashboard. */
export class PanelIds {
  private last = 0;
  public next(): number {
    this.last += 1;
    return this.last;
  }
}

/** One PromQL query of a panel. */
export interface PromQuery {
  readonly expr: string;
  /** Legend template, e.g. `{{envoy_cluster_name}}`. @default '__auto' */
  readonly legend?: string;
}

function refId(i: number): string {
  return String.fromCharCode('A'.charCodeAt(0) + i);
}

function promTargets(ds: DatasourceRef, queries: readonly PromQuery[], instant = false): prometheus.DataqueryBuilder[] {
  return queries.map((q, i) => {
    const t = new prometheus.DataqueryBuilder()
      .datasource({ type: ds.type, uid: ds.uid })
      .refId(refId(i))
      .expr(q.expr)
      .legendFormat(q.legend ?? '__auto');
    return instant ? t.instant() : t.range();
  });
}

function thresholdSteps(steps: readonly (readonly [number | null, string])[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

/** Options of a time series panel. */
export interface TimeseriesOptions {
  readonly title: string;
  readonly description: string;
  /** Grafana unit id, e.g. `reqps`, `percentunit`, `ms`, `s`, `bytes`, `short`. */
  readonly unit: string;
  readonly queries: readonly PromQuery[];
  /** Width in grid columns (of 24). @default 12 */
  readonly span?: number;
  /** @default 8 */
  readonly height?: number;
  /** Stack the series. @default false */
  readonly stacked?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Threshold steps `[value, color]`, first value null; drawn as a dashed line. */
  readonly thresholds?: readonly (readonly [number | null, string])[];
}

/** A time series panel with PromQL targets. */
export function timeseriesPanel(ids: PanelIds, ds: DatasourceRef, o: TimeseriesOptions): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .id(ids.next())
    .title(o.title)
    .description(o.description)
    .datasource({ type: ds.type, uid: ds.uid })
    .unit(o.unit)
    .span(o.span ?? 12)
    .height(o.height ?? 8)
    .lineWidth(1)
    .fillOpacity(o.stacked ? 30 : 10)
    .showPoints(common.VisibilityMode.Never)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .targets(promTargets(ds, o.queries));
  if (o.stacked) p.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (o.min !== undefined) p.min(o.min);
  if (o.max !== undefined) p.max(o.max);
  if (o.thresholds) {
    p.thresholds(thresholdSteps(o.thresholds)).thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  return p;
}

/** Options of a stat panel. */
export interface StatOptions {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly query: PromQuery;
  /** @default 6 */
  readonly span?: number;
  /** @default 4 */
  readonly height?: number;
  readonly thresholds?: readonly (readonly [number | null, string])[];
}

/** A single-value stat panel (last value, with a sparkline). */
export function statPanel(ids: PanelIds, ds: DatasourceRef, o: StatOptions): stat.PanelBuilder {
  const p = new stat.PanelBuilder()
    .id(ids.next())
    .title(o.title)
    .description(o.description)
    .datasource({ type: ds.type, uid: ds.uid })
    .unit(o.unit)
    .span(o.span ?? 6)
    .height(o.height ?? 4)
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .targets(promTargets(ds, [o.query]));
  if (o.thresholds) p.thresholds(thresholdSteps(o.thresholds));
  return p;
}

/** A node graph panel fed by the Tempo data source's service map query (`queryType: serviceMap`). */
export function serviceMapPanel(
  ids: PanelIds,
  tempoDs: DatasourceRef,
  o: { readonly title: string; readonly description: string; readonly span?: number; readonly height?: number },
): nodegraph.PanelBuilder {
  return new nodegraph.PanelBuilder()
    .id(ids.next())
    .title(o.title)
    .description(o.description)
    .datasource({ type: tempoDs.type, uid: tempoDs.uid })
    .span(o.span ?? 24)
    .height(o.height ?? 12)
    .targets([
      new tempo.DataqueryBuilder()
        .datasource({ type: tempoDs.type, uid: tempoDs.uid })
        .refId('A')
        .queryType(tempo.TempoQueryType.ServiceMap),
    ]);
}

/**
 * The dashboard model as plain JSON data: the SDK's built objects carry
 * helper methods (e.g. `_implementsDataqueryVariant` on queries) that are not
 * part of the model; a JSON round trip leaves exactly what Grafana reads.
 */
export function plainJson(model: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
}

/** A (non-collapsed) row. */
export function row(ids: PanelIds, title: string): dashboard.RowBuilder {
  return new dashboard.RowBuilder(title).id(ids.next());
}

/** A dashboard with the shared defaults: last hour, 30s refresh, shared crosshair, read-only (provisioned). */
export function newDashboard(o: { readonly uid: string; readonly title: string; readonly description: string; readonly tags: readonly string[] }): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(o.title)
    .uid(o.uid)
    .description(o.description)
    .tags([...o.tags])
    .timezone('browser')
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .readonly()
    .annotation(builtInAnnotations());
}

/**
 * Grafana's built-in "Annotations & Alerts" query (the `-- Grafana --` data
 * source), which Grafana adds to every new dashboard; the SDK otherwise
 * renders `annotations: {}` without a `list`.
 */
export const GRAFANA_BUILTIN_DATASOURCE = { type: 'grafana', uid: '-- Grafana --' } as const;

function builtInAnnotations(): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name('Annotations & Alerts')
    .datasource({ ...GRAFANA_BUILTIN_DATASOURCE })
    .enable(true)
    .hide(true)
    .iconColor('rgba(0, 211, 255, 1)')
    .type('dashboard')
    .builtIn(1);
}
