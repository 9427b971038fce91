import { Endpoint } from '../../lib/endpoint';
import { IMAGES, imageVersion } from '../../lib/images';

/**
 * The Grafana data source provisioning file (`datasources.yaml`), built as a
 * typed object by a pure function so tests can assert it exactly.
 *
 * Every data source has a FIXED uid, so links between them (and dashboards
 * that reference them) never depend on database ids:
 *
 * - Prometheus → Tempo: exemplars carrying a trace id open the trace.
 * - Tempo → Loki: "logs for this span" (service name + trace id).
 * - Tempo → Prometheus: span metrics (rate, errors, latency) and the service map,
 *   when Tempo's metrics-generator writes to that Prometheus.
 * - Loki → Tempo: a `trace_id` label / structured metadata field (as OTLP logs
 *   carry it) or a `trace_id=` / `traceID=` token in the line opens the trace.
 *
 * Only wired backends get a data source, and only wired targets get a link.
 *
 * Grafana expands environment variables (`$VAR`, `${VAR}`) in every string of
 * a provisioning file and turns `$$` into a literal `$`
 * (grafana/grafana pkg/services/provisioning/values/values.go,
 * `interpolateValue`). Grafana's own link templates (`${__value.raw}`,
 * `$__tags`) are therefore written with `$$`.
 */

/** Fixed uid of the provisioned Prometheus data source. */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';
/** Fixed uid of the provisioned Loki data source. */
export const LOKI_DATASOURCE_UID = 'loki';
/** Fixed uid of the provisioned Tempo data source. */
export const TEMPO_DATASOURCE_UID = 'tempo';

/** The fixed data source uids, by backend. */
export const DATASOURCE_UIDS = {
  prometheus: PROMETHEUS_DATASOURCE_UID,
  loki: LOKI_DATASOURCE_UID,
  tempo: TEMPO_DATASOURCE_UID,
} as const;

/**
 * Exemplar labels that carry a trace id, both linked to Tempo:
 * - `trace_id`: exemplars of OTLP metrics ingested by Prometheus
 *   (prometheus v3.16.0 storage/remote/otlptranslator/prometheusremotewrite/helper.go `traceIDKey`);
 * - `traceID`: exemplars of Tempo's span metrics
 *   (tempo v2.10.8 modules/generator/registry/histogram.go `traceIDLabelName`).
 */
export const EXEMPLAR_TRACE_ID_LABELS = ['trace_id', 'traceID'] as const;

/**
 * Tempo 2.10 metrics-generator series names and labels
 * (tempo v2.10.8 modules/generator/processor/spanmetrics/spanmetrics.go and
 * processor/dimension_names.go). `latency` is a classic histogram by default
 * (`generate_native_histograms: classic`), hence `_bucket`; with `native` it is
 * one native-histogram series without `_bucket`.
 */
export const TEMPO_SPAN_METRICS = {
  calls: 'traces_spanmetrics_calls_total',
  latency: 'traces_spanmetrics_latency',
  latencyBucket: 'traces_spanmetrics_latency_bucket',
  serviceLabel: 'service',
  spanNameLabel: 'span_name',
  statusCodeLabel: 'status_code',
  statusError: 'STATUS_CODE_ERROR',
} as const;

/**
 * Finds a trace id printed in a log line: `trace_id=…`, `traceID: …` or JSON
 * `"traceId":"…"` (16-32 hex digits). Grafana links the first capture group.
 */
export const TRACE_ID_IN_LINE_REGEX = '(?:trace_id|traceID|traceId)"?\\s*[=:]\\s*"?([0-9a-fA-F]{16,32})';

/** Loki index label that OTLP `service.name` becomes (loki v3.7.6 default OTLP index labels). */
export const LOKI_SERVICE_NAME_LABEL = 'service_name';

/** What Grafana needs from any backend: its HTTP endpoint. */
export interface DatasourceBackend {
  readonly endpoints: { readonly http: Endpoint };
}

/** What Grafana needs from Loki: its endpoint and the headers that select the tenant. */
export interface LokiDatasourceBackend extends DatasourceBackend {
  /** HTTP headers Grafana must send (e.g. `X-Scope-OrgID` when Loki is multi-tenant); may be empty. */
  readonly tenantHeaders?: Readonly<Record<string, string>>;
}

/** What Grafana needs from Prometheus: its endpoint and scrape interval. */
export interface PrometheusDatasourceBackend extends DatasourceBackend {
  /** `global.scrape_interval`, Grafana's `timeInterval` (lower bound of `$__interval`). */
  readonly scrapeInterval?: string;
}

/** What Grafana needs from Tempo: its endpoint and where and how its metrics-generator writes. */
export interface TempoDatasourceBackend extends DatasourceBackend {
  /**
   * The Prometheus Tempo's metrics-generator remote-writes span metrics and
   * service graphs to. Tempo's links to metrics (span metrics, service map)
   * are provisioned only when this is the wired Prometheus: elsewhere those
   * series do not exist.
   * @default none (no metrics-generator)
   */
  readonly metricsGeneratorTarget?: object;
  /**
   * Tempo's `generate_native_histograms`: with `'native'` there is no
   * `traces_spanmetrics_latency_bucket` series, so latency links query the native histogram.
   * @default 'classic'
   */
  readonly histograms?: 'classic' | 'native' | 'both';
}

/** The backends to provision data sources for. Each is optional. */
export interface GrafanaDatasourceBackends {
  readonly prometheus?: PrometheusDatasourceBackend;
  readonly loki?: LokiDatasourceBackend;
  readonly tempo?: TempoDatasourceBackend;
}

/** Plugin ids of the provisioned data sources (unchanged after Grafana 13 moved Loki/Tempo out of core). */
export type DatasourceType = 'prometheus' | 'loki' | 'tempo';

/** One entry of `datasources:` in a provisioning file. */
export interface ProvisionedDatasource {
  readonly name: string;
  readonly type: DatasourceType;
  readonly uid: string;
  readonly access: 'proxy';
  readonly orgId: number;
  readonly url: string;
  readonly isDefault: boolean;
  readonly editable: boolean;
  readonly jsonData: Record<string, unknown>;
  readonly secureJsonData?: Record<string, string>;
}

/** A data source provisioning file. */
export interface DatasourceProvisioning {
  readonly apiVersion: 1;
  /** Remove provisioned data sources that disappear from the file (Grafana ≥ 11.1). */
  readonly prune: boolean;
  readonly datasources: ProvisionedDatasource[];
}

/** Escapes a value for a provisioning file so Grafana does not expand `$` in it. */
export function escapeProvisioningValue(v: string): string {
  return v.split('$').join('$$');
}

/** Trace-by-id lookups (links from logs and exemplars) search this window around the linking time range. */
const TRACE_QUERY_SHIFT = { start: '-30m', end: '30m' } as const;
/** Logs for a span: the span's time range widened by this much. */
const TRACE_TO_LOGS_SHIFT = { start: '-5m', end: '5m' } as const;
/** Metrics for a span: the span's time range widened by this much, to show a trend. */
const TRACE_TO_METRICS_SHIFT = { start: '-30m', end: '30m' } as const;

/**
 * The data source provisioning object for the wired backends. Pure: the same
 * backends always give the same object.
 */
export function grafanaDatasources(backends: GrafanaDatasourceBackends): DatasourceProvisioning {
  const { prometheus, loki, tempo } = backends;
  const datasources: ProvisionedDatasource[] = [];
  // Exactly one default: Prometheus, else Loki, else Tempo.
  const defaultUid = prometheus ? PROMETHEUS_DATASOURCE_UID : loki ? LOKI_DATASOURCE_UID : TEMPO_DATASOURCE_UID;
  const common = (uid: string) => ({ uid, access: 'proxy' as const, orgId: 1, isDefault: uid === defaultUid, editable: false });

  if (prometheus) {
    datasources.push({
      name: 'Prometheus',
      type: 'prometheus',
      ...common(PROMETHEUS_DATASOURCE_UID),
      url: prometheus.endpoints.http.url(),
      jsonData: {
        httpMethod: 'POST',
        prometheusType: 'Prometheus',
        prometheusVersion: imageVersion(IMAGES.prometheus),
        ...(prometheus.scrapeInterval !== undefined ? { timeInterval: prometheus.scrapeInterval } : {}),
        ...(tempo
          ? {
              exemplarTraceIdDestinations: EXEMPLAR_TRACE_ID_LABELS.map((name) => ({
                name,
                datasourceUid: TEMPO_DATASOURCE_UID,
                urlDisplayLabel: 'View trace',
              })),
            }
          : {}),
      },
    });
  }

  if (loki) {
    const headers = Object.entries(loki.tenantHeaders ?? {}).sort(([a], [b]) => a.localeCompare(b));
    datasources.push({
      name: 'Loki',
      type: 'loki',
      ...common(LOKI_DATASOURCE_UID),
      url: loki.endpoints.http.url(),
      jsonData: {
        maxLines: 1000,
        ...(tempo
          ? {
              derivedFields: [
                // OTLP logs carry the trace id as structured metadata `trace_id`;
                // matcherType 'label' takes matcherRegex as the label name.
                {
                  name: 'TraceID',
                  matcherType: 'label',
                  matcherRegex: 'trace_id',
                  datasourceUid: TEMPO_DATASOURCE_UID,
                  url: '$${__value.raw}',
                  urlDisplayLabel: 'View trace',
                },
                // Plain-text logs that print `trace_id=…`, `traceID=…` or `traceId=…`; the
                // first capture group is the value.
                {
                  name: 'TraceIDInLine',
                  matcherType: 'regex',
                  matcherRegex: TRACE_ID_IN_LINE_REGEX,
                  datasourceUid: TEMPO_DATASOURCE_UID,
                  url: '$${__value.raw}',
                  urlDisplayLabel: 'View trace',
                },
              ],
            }
          : {}),
        ...Object.fromEntries(headers.map(([name], i) => [`httpHeaderName${i + 1}`, name])),
      },
      // Grafana only takes custom header values from secureJsonData. A tenant id is not a secret.
      ...(headers.length > 0
        ? { secureJsonData: Object.fromEntries(headers.map(([, value], i) => [`httpHeaderValue${i + 1}`, escapeProvisioningValue(value)])) }
        : {}),
    });
  }

  if (tempo) {
    datasources.push({
      name: 'Tempo',
      type: 'tempo',
      ...common(TEMPO_DATASOURCE_UID),
      url: tempo.endpoints.http.url(),
      jsonData: {
        ...(loki
          ? {
              tracesToLogsV2: {
                datasourceUid: LOKI_DATASOURCE_UID,
                spanStartTimeShift: TRACE_TO_LOGS_SHIFT.start,
                spanEndTimeShift: TRACE_TO_LOGS_SHIFT.end,
                tags: [{ key: 'service.name', value: LOKI_SERVICE_NAME_LABEL }],
                // Grafana's generated query keeps lines containing the id OR with trace_id="<id>"
                // (structured metadata), so OTLP and plain-text logs both match.
                filterByTraceID: true,
                filterBySpanID: false,
                customQuery: false,
              },
            }
          : {}),
        ...(prometheus && tempo.metricsGeneratorTarget === prometheus
          ? {
              tracesToMetrics: {
                datasourceUid: PROMETHEUS_DATASOURCE_UID,
                spanStartTimeShift: TRACE_TO_METRICS_SHIFT.start,
                spanEndTimeShift: TRACE_TO_METRICS_SHIFT.end,
                tags: [{ key: 'service.name', value: TEMPO_SPAN_METRICS.serviceLabel }],
                queries: tracesToMetricsQueries(tempo.histograms === 'native'),
              },
              serviceMap: { datasourceUid: PROMETHEUS_DATASOURCE_UID },
            }
          : {}),
        nodeGraph: { enabled: true },
        search: { hide: false },
        traceQuery: {
          timeShiftEnabled: true,
          spanStartTimeShift: TRACE_QUERY_SHIFT.start,
          spanEndTimeShift: TRACE_QUERY_SHIFT.end,
        },
        streamingEnabled: { search: true, metrics: true },
      },
    });
  }

  return { apiVersion: 1, prune: true, datasources };
}

/** Span-metrics queries for Tempo's "metrics for this span" links; `$$__tags` becomes the mapped span tags. */
function tracesToMetricsQueries(nativeHistograms: boolean): { name: string; query: string }[] {
  const m = TEMPO_SPAN_METRICS;
  const latency = nativeHistograms
    ? `histogram_quantile(0.95, sum by (${m.spanNameLabel}) (rate(${m.latency}{$$__tags}[5m])))`
    : `histogram_quantile(0.95, sum by (le, ${m.spanNameLabel}) (rate(${m.latencyBucket}{$$__tags}[5m])))`;
  return [
    { name: 'Request rate', query: `sum by (${m.spanNameLabel}) (rate(${m.calls}{$$__tags}[5m]))` },
    {
      name: 'Error rate',
      query: `sum by (${m.spanNameLabel}) (rate(${m.calls}{${m.statusCodeLabel}="${m.statusError}", $$__tags}[5m]))`,
    },
    { name: 'Latency p95', query: latency },
  ];
}
