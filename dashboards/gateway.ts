/**
 * kgateway data plane (Envoy) dashboard: traffic, errors and latency at the
 * listeners (downstream) and per upstream cluster, i.e. per route backend.
 *
 * Envoy's default stats have no per-route tree (route stats need a route
 * `stat_prefix`), so "per route" is read per backend: kgateway gives every
 * route backend its own Envoy cluster, carried in the `envoy_cluster_name`
 * label. Envoy stats are exposed in the text format (kgateway rewrites
 * `:9091/metrics` to `/stats/prometheus?usedonly`), so histograms arrive as
 * classic `_bucket` series; latency queries also try the native form first,
 * for pipelines that store native histograms (NHCB conversion). Envoy times
 * are in milliseconds.
 */
import { DashboardSpec } from './types';
import { DashboardOptions, resolveDashboardOptions } from './options';
import { newDashboard, PanelIds, plainJson, row, statPanel, timeseriesPanel } from './panels';
import { alternation, histogramQuantile, Matcher, sumRate } from './promql';
import { validate } from '../lib/validation';
import { KGATEWAY_INTERNAL_CLUSTERS, KGATEWAY_INTERNAL_LISTENERS } from './series';

export { KGATEWAY_INTERNAL_CLUSTERS, KGATEWAY_INTERNAL_LISTENERS };

/** Stable uid of the gateway dashboard. */
export const GATEWAY_DASHBOARD_UID = 'lgtm-gateway';

export interface GatewayDashboardOptions extends DashboardOptions {
  /** Envoy clusters left out of the upstream panels. @default KGATEWAY_INTERNAL_CLUSTERS */
  readonly excludeClusters?: readonly string[];
  /** HTTP connection manager stat prefixes left out of the downstream panels. @default KGATEWAY_INTERNAL_LISTENERS */
  readonly excludeListeners?: readonly string[];
}

const W = '$__rate_interval';

/** The kgateway / Envoy dashboard. */
export function gatewayDashboard(opts: GatewayDashboardOptions = {}): DashboardSpec {
  const { ds, folder } = resolveDashboardOptions('gatewayDashboard', opts);
  const excludeClusters = opts.excludeClusters ?? KGATEWAY_INTERNAL_CLUSTERS;
  const excludeListeners = opts.excludeListeners ?? KGATEWAY_INTERNAL_LISTENERS;
  validate('dashboards.gatewayDashboard', [
    { field: 'gatewayDashboard.excludeClusters', value: excludeClusters, ok: (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== ''), allowed: 'a non-empty list of Envoy cluster names' },
    { field: 'gatewayDashboard.excludeListeners', value: excludeListeners, ok: (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== ''), allowed: 'a non-empty list of stat prefixes' },
  ]);

  const up: Matcher[] = [['envoy_cluster_name', '!~', alternation(excludeClusters)]];
  const down: Matcher[] = [['envoy_http_conn_manager_prefix', '!~', alternation(excludeListeners)]];
  const down5xx: Matcher[] = [...down, ['envoy_response_code_class', '=', '5']];
  const up5xx: Matcher[] = [...up, ['envoy_response_code_class', '=', '5']];
  const ids = new PanelIds();
  const CLUSTER = ['envoy_cluster_name'];

  const dash = newDashboard({
    uid: GATEWAY_DASHBOARD_UID,
    title: 'Gateway (kgateway / Envoy)',
    description: 'Requests, errors and latency of the kgateway Envoy proxies, at the listeners and per upstream cluster (route backend).',
    tags: ['lgtm', 'kgateway', 'envoy'],
  })
    .withRow(row(ids, 'Overview'))
    .withPanel(
      statPanel(ids, ds, {
        title: 'Requests / s',
        description: 'Downstream requests per second over all gateway listeners.',
        unit: 'reqps',
        query: { expr: sumRate('envoy_http_downstream_rq_total', down, W), legend: 'requests' },
      }),
    )
    .withPanel(
      statPanel(ids, ds, {
        title: '5xx ratio',
        description: 'Share of downstream responses with a 5xx status.',
        unit: 'percentunit',
        query: {
          expr: `${sumRate('envoy_http_downstream_rq_xx_total', down5xx, W)} / ${sumRate('envoy_http_downstream_rq_xx_total', down, W)}`,
          legend: '5xx',
        },
        thresholds: [
          [null, 'green'],
          [0.01, 'orange'],
          [0.05, 'red'],
        ],
      }),
    )
    .withPanel(
      statPanel(ids, ds, {
        title: 'p99 latency',
        description: '99th percentile of the downstream request time (Envoy downstream_rq_time).',
        unit: 'ms',
        query: { expr: histogramQuantile(0.99, 'envoy_http_downstream_rq_time', down, W), legend: 'p99' },
      }),
    )
    .withPanel(
      statPanel(ids, ds, {
        title: 'Active upstream clusters',
        description: 'Upstream clusters (route backends) that received requests in the interval.',
        unit: 'short',
        query: { expr: `count(${sumRate('envoy_cluster_upstream_rq_total', up, W, CLUSTER)} > 0)`, legend: 'clusters' },
      }),
    )
    .withRow(row(ids, 'Listeners (downstream)'))
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Request rate by listener',
        description: 'Downstream requests per second, by HTTP connection manager stat prefix (listener).',
        unit: 'reqps',
        span: 8,
        queries: [{ expr: sumRate('envoy_http_downstream_rq_total', down, W, ['envoy_http_conn_manager_prefix']), legend: '{{envoy_http_conn_manager_prefix}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Responses by status class',
        description: 'Downstream responses per second by status class (1xx-5xx).',
        unit: 'reqps',
        span: 8,
        stacked: true,
        queries: [{ expr: sumRate('envoy_http_downstream_rq_xx_total', down, W, ['envoy_response_code_class']), legend: '{{envoy_response_code_class}}xx' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Downstream latency percentiles',
        description: 'p50 / p90 / p99 of the downstream request time over all listeners.',
        unit: 'ms',
        span: 8,
        queries: [0.5, 0.9, 0.99].map((q) => ({ expr: histogramQuantile(q, 'envoy_http_downstream_rq_time', down, W), legend: `p${Math.round(q * 100)}` })),
      }),
    )
    .withRow(row(ids, 'Upstream clusters (route backends)'))
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Request rate by upstream cluster',
        description: 'Requests per second sent to each upstream cluster (Envoy upstream_rq_total, retries included).',
        unit: 'reqps',
        queries: [{ expr: sumRate('envoy_cluster_upstream_rq_total', up, W, CLUSTER), legend: '{{envoy_cluster_name}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: '5xx ratio by upstream cluster',
        description: 'Share of final upstream responses with a 5xx status, per upstream cluster (Envoy upstream_rq_<*xx>).',
        unit: 'percentunit',
        min: 0,
        thresholds: [
          [null, 'green'],
          [0.05, 'red'],
        ],
        queries: [
          {
            expr: `${sumRate('envoy_cluster_upstream_rq_xx_total', up5xx, W, CLUSTER)} / ${sumRate('envoy_cluster_upstream_rq_xx_total', up, W, CLUSTER)}`,
            legend: '{{envoy_cluster_name}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'p99 latency by upstream cluster',
        description: '99th percentile of the upstream request time per cluster (Envoy upstream_rq_time).',
        unit: 'ms',
        queries: [{ expr: histogramQuantile(0.99, 'envoy_cluster_upstream_rq_time', up, W, CLUSTER), legend: '{{envoy_cluster_name}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'p50 latency by upstream cluster',
        description: 'Median upstream request time per cluster.',
        unit: 'ms',
        queries: [{ expr: histogramQuantile(0.5, 'envoy_cluster_upstream_rq_time', up, W, CLUSTER), legend: '{{envoy_cluster_name}}' }],
      }),
    );

  const model = dash.build();
  return { folder, uid: GATEWAY_DASHBOARD_UID, title: model.title ?? '', json: plainJson(model) };
}
