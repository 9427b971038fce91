/**
 * Application services, from Tempo's metrics-generator: RED (rate, errors,
 * duration) from span metrics and the service graph, plus Grafana's service
 * map (node graph) through the Tempo data source, whose `serviceMap` query
 * reads the service-graph series from the Prometheus data source configured
 * in Tempo's `jsonData.serviceMap.datasourceUid`.
 *
 * Series and labels: tempo v2.10.8 (see ./metrics.ts). Span kinds and status
 * codes are the OTLP enum names (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`).
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardSpec, DatasourceRef } from './types';
import { DASHBOARD_UID, DEFAULT_TEMPO_UID, resolveDashboardOptions } from './options';
import { newDashboard, PanelIds, plainJson, row, serviceMapPanel, timeseriesPanel } from './panels';
import { alternation, histogramQuantile, Matcher, sumRate } from './promql';
import { metric } from './metrics';
import { validate } from '../lib/validation';

/** Stable uid of the services dashboard. */
export const SERVICES_DASHBOARD_UID = 'lgtm-services';

/** Span kinds that represent a request handled by a service (inbound work). */
export const INBOUND_SPAN_KINDS: readonly string[] = ['SPAN_KIND_SERVER', 'SPAN_KIND_CONSUMER'];
/** `status_code` value of failed spans. */
export const STATUS_ERROR = 'STATUS_CODE_ERROR';

export interface ServicesDashboardOptions {
  /** Uid of the Prometheus data source holding span metrics. @default 'prometheus' */
  readonly prometheusUid?: string;
  /** Uid of the Tempo data source (service map). @default 'tempo' */
  readonly tempoUid?: string;
  /** Grafana folder. @default 'LGTM' */
  readonly folder?: string;
}

const W = '$__rate_interval';
const SERVICE_VAR = 'service';

/** The services dashboard (RED from span metrics, service graph, service map). */
export function servicesDashboard(opts: ServicesDashboardOptions = {}): DashboardSpec {
  const { ds, folder } = resolveDashboardOptions('servicesDashboard', { datasourceUid: opts.prometheusUid, folder: opts.folder });
  const tempoUid = opts.tempoUid ?? DEFAULT_TEMPO_UID;
  validate('dashboards.servicesDashboard', [
    { field: 'servicesDashboard.tempoUid', value: tempoUid, ok: (v: string) => DASHBOARD_UID.test(v), allowed: 'a Grafana data source uid: 1-40 characters from a-z, A-Z, 0-9, "-" and "_"' },
  ]);
  const tempoDs: DatasourceRef = { type: 'tempo', uid: tempoUid };
  const ids = new PanelIds();

  const svc: Matcher[] = [['service', '=~', `$${SERVICE_VAR}`]];
  const inbound: Matcher[] = [...svc, ['span_kind', '=~', alternation(INBOUND_SPAN_KINDS)]];
  const inboundErr: Matcher[] = [...inbound, ['status_code', '=', STATUS_ERROR]];
  const toSvc: Matcher[] = [['server', '=~', `$${SERVICE_VAR}`]];
  const SERVICE = ['service'];
  const EDGE = ['client', 'server'];

  const serviceVariable = new dashboard.QueryVariableBuilder(SERVICE_VAR)
    .label('Service')
    .description('Services seen in span metrics (traces_spanmetrics_calls_total).')
    .datasource({ type: ds.type, uid: ds.uid })
    .query(`label_values(${metric('traces_spanmetrics_calls_total')}, service)`)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: 'All', value: '$__all' });

  const dash = newDashboard({
    uid: SERVICES_DASHBOARD_UID,
    title: 'Services (span metrics and service graph)',
    description: 'Request rate, error ratio and latency of instrumented services from Tempo span metrics; service graph edges; service map.',
    tags: ['lgtm', 'tempo', 'services', 'red'],
  })
    .withVariable(serviceVariable)
    .withRow(row(ids, 'Service map'))
    .withPanel(
      serviceMapPanel(ids, tempoDs, {
        title: 'Service map',
        description: 'Services and the calls between them (Tempo service graph), with request rate, error rate and latency per node and edge.',
      }),
    )
    .withRow(row(ids, 'Services (inbound spans)'))
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Request rate by service',
        description: 'Server and consumer spans per second, per service.',
        unit: 'reqps',
        span: 8,
        queries: [{ expr: sumRate('traces_spanmetrics_calls_total', inbound, W, SERVICE), legend: '{{service}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Error ratio by service',
        description: 'Share of server and consumer spans with status ERROR, per service.',
        unit: 'percentunit',
        span: 8,
        min: 0,
        thresholds: [
          [null, 'green'],
          [0.05, 'red'],
        ],
        queries: [
          {
            expr: `${sumRate('traces_spanmetrics_calls_total', inboundErr, W, SERVICE)} / ${sumRate('traces_spanmetrics_calls_total', inbound, W, SERVICE)}`,
            legend: '{{service}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'p95 latency by service',
        description: '95th percentile duration of server and consumer spans, per service.',
        unit: 's',
        span: 8,
        queries: [{ expr: histogramQuantile(0.95, 'traces_spanmetrics_latency', inbound, W, SERVICE), legend: '{{service}}' }],
      }),
    )
    .withRow(row(ids, 'Operations'))
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Request rate by operation',
        description: 'Server and consumer spans per second, per service and span name.',
        unit: 'reqps',
        span: 8,
        queries: [{ expr: sumRate('traces_spanmetrics_calls_total', inbound, W, ['service', 'span_name']), legend: '{{service}} {{span_name}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Errors by operation',
        description: 'Failed server and consumer spans per second, per service and span name.',
        unit: 'reqps',
        span: 8,
        queries: [{ expr: sumRate('traces_spanmetrics_calls_total', inboundErr, W, ['service', 'span_name']), legend: '{{service}} {{span_name}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'p95 latency by operation',
        description: '95th percentile span duration, per service and span name.',
        unit: 's',
        span: 8,
        queries: [{ expr: histogramQuantile(0.95, 'traces_spanmetrics_latency', inbound, W, ['service', 'span_name']), legend: '{{service}} {{span_name}}' }],
      }),
    )
    .withRow(row(ids, 'Service graph (calls into the selected services)'))
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Request rate by edge',
        description: 'Requests per second between a client and a server service (paired client/server spans).',
        unit: 'reqps',
        span: 8,
        queries: [{ expr: sumRate('traces_service_graph_request_total', toSvc, W, EDGE), legend: '{{client}} → {{server}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Failed ratio by edge',
        description: 'Share of failed requests between a client and a server service.',
        unit: 'percentunit',
        span: 8,
        min: 0,
        queries: [
          {
            expr: `${sumRate('traces_service_graph_request_failed_total', toSvc, W, EDGE)} / ${sumRate('traces_service_graph_request_total', toSvc, W, EDGE)}`,
            legend: '{{client}} → {{server}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel(ids, ds, {
        title: 'Server p95 latency by edge',
        description: '95th percentile of the server-side duration, per edge.',
        unit: 's',
        span: 8,
        queries: [{ expr: histogramQuantile(0.95, 'traces_service_graph_request_server_seconds', toSvc, W, EDGE), legend: '{{client}} → {{server}}' }],
      }),
    );

  const model = dash.build();
  return { folder, uid: SERVICES_DASHBOARD_UID, title: model.title ?? '', json: plainJson(model) };
}
