import { scrapeJobRef } from '../lib/scrape-config';
import {
  BACKENDS_DASHBOARD_UID,
  backendsDashboard,
  COLLECTOR_DASHBOARD_UID,
  collectorDashboard,
  collectorMetricNames,
  DashboardSpec,
  GATEWAY_DASHBOARD_UID,
  gatewayDashboard,
  isKnownMetric,
  KGATEWAY_INTERNAL_CLUSTERS,
  METRICS,
  SERVICES_DASHBOARD_UID,
  servicesDashboard,
  stackDashboards,
  stackRuleSets,
} from '../dashboards';
import { expandGrafanaIntervals, metricNamesOf, parsePromql } from './support/promql';

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

/** Every panel, rows' nested panels included. */
function panelsOf(spec: DashboardSpec): any[] {
  const top: any[] = (spec.json as any).panels ?? [];
  return top.flatMap((p) => [p, ...(p.panels ?? [])]);
}

interface Target {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

/** Every Prometheus target expression of a dashboard. */
function promExprs(spec: DashboardSpec): Target[] {
  return panelsOf(spec).flatMap((p) =>
    (p.targets ?? [])
      .filter((t: any) => t.datasource?.type === 'prometheus')
      .map((t: any) => ({ dashboard: spec.uid, panel: p.title, refId: t.refId, expr: t.expr })),
  );
}

/** Every `datasource` object anywhere in the JSON. */
function datasourceRefs(node: unknown, out: any[] = []): any[] {
  if (Array.isArray(node)) node.forEach((n) => datasourceRefs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'datasource') out.push(v);
      datasourceRefs(v, out);
    }
  }
  return out;
}

const ALL = () => [
  ...stackDashboards(),
  collectorDashboard({ naming: 'raw' }), // the other naming convention
];

// ---------------------------------------------------------------------------
// the PromQL checker itself
// ---------------------------------------------------------------------------

describe('PromQL checker (Prometheus lezer grammar)', () => {
  test('GIVEN a broken expression WHEN parsed THEN the error and its position are reported', () => {
    const info = parsePromql('sum(rate(x[5m])');
    expect(info.errors).toHaveLength(1);
    expect(info.errors[0].position).toBe('sum(rate(x[5m])'.length);
    expect(() => metricNamesOf('sum(rate(x[5m])')).toThrow(/syntax error at 15/);
    expect(() => metricNamesOf('up{job="a"} == 0 unless')).toThrow(/syntax error/);
    expect(() => metricNamesOf('rate(x[$__rate_interval])')).toThrow(/syntax error/);
  });

  test('GIVEN a range function over an instant vector WHEN parsed THEN it is an error', () => {
    expect(parsePromql('rate(up)').errors).toHaveLength(1);
    expect(parsePromql('quantile_over_time(0.9, up)').errors).toHaveLength(1);
    expect(parsePromql('quantile_over_time(0.9, up[5m])').errors).toEqual([]);
    expect(parsePromql('increase((up)[5m:1m])').errors).toEqual([]);
  });

  test('GIVEN selectors in every syntax WHEN parsed THEN all metric names are found', () => {
    expect(metricNamesOf('sum by (le) (rate(a_bucket{x="1"}[5m])) / on () group_left b')).toEqual(['a_bucket', 'b']);
    expect(metricNamesOf('{__name__="c", job="j"} + {"d.e", job="j"} + {"__name__"="f"}')).toEqual(['c', 'd.e', 'f']);
    expect(parsePromql('x{__name__=~"y|z"}').nameMatchers).toEqual(['__name__=~"y|z"']);
    expect(metricNamesOf('histogram_quantile(0.9, sum by (le) (rate(h_bucket[1m]))) or vector(0)')).toEqual(['h_bucket']);
  });

  test('GIVEN Grafana interval variables WHEN expanded THEN the expression is plain PromQL', () => {
    expect(expandGrafanaIntervals('rate(x[$__rate_interval]) + rate(y[$__interval]) + increase(z[$__range])')).toBe(
      'rate(x[1m]) + rate(y[30s]) + increase(z[1h])',
    );
  });
});

// ---------------------------------------------------------------------------
// every dashboard query
// ---------------------------------------------------------------------------

describe('dashboard queries', () => {
  const targets = ALL().flatMap(promExprs);

  test('GIVEN all dashboards THEN there are Prometheus queries to check', () => {
    expect(targets.length).toBeGreaterThan(40);
  });

  test.each(targets.map((t) => [`${t.dashboard} / ${t.panel} / ${t.refId}`, t] as const))(
    'GIVEN %s WHEN parsed THEN it is valid PromQL over allowlisted metrics only',
    (_name, t) => {
      const info = parsePromql(expandGrafanaIntervals(t.expr));
      expect(info.errors).toEqual([]);
      expect(info.nameMatchers).toEqual([]);
      expect(info.metricNames.length).toBeGreaterThan(0);
      expect(info.metricNames.filter((n) => !isKnownMetric(n))).toEqual([]);
    },
  );

  test('GIVEN the template variables WHEN their label_values() selector is parsed THEN it is valid and allowlisted', () => {
    const vars = ALL().flatMap((d) => ((d.json as any).templating?.list ?? []) as any[]).filter((v) => v.type === 'query');
    expect(vars.length).toBeGreaterThan(0);
    for (const v of vars) {
      const m = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(v.query);
      expect(m).not.toBeNull();
      expect(metricNamesOf(m![1]).every(isKnownMetric)).toBe(true);
      expect(v.datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
    }
  });

  test('GIVEN the allowlist THEN every entry names its upstream source and is used by a dashboard or a rule', () => {
    const used = new Set<string>();
    for (const t of targets) metricNamesOf(expandGrafanaIntervals(t.expr)).forEach((n) => used.add(n));
    const jobs = { loki: { job: scrapeJobRef({ job_name: 'loki' }) }, tempo: { job: scrapeJobRef({ job_name: 'tempo' }) }, prometheus: { job: scrapeJobRef({ job_name: 'prometheus' }) } };
    const rules = [stackRuleSets(jobs), stackRuleSets({ ...jobs, collector: { naming: 'raw' } })].flatMap((s) => Object.values(s).flat().flatMap((g) => g.rules));
    for (const r of rules) metricNamesOf(r.expr).forEach((n) => used.add(n));
    for (const [name, info] of Object.entries(METRICS)) {
      expect([name, info.source.length > 20]).toEqual([name, true]);
    }
    expect(Object.keys(METRICS).filter((n) => !used.has(n))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// uids, folders, data sources, layout
// ---------------------------------------------------------------------------

describe('dashboard identity and references', () => {
  test('GIVEN the stack dashboards THEN the uids are the documented stable ones, unique and valid', () => {
    const specs = stackDashboards();
    expect(specs.map((s) => s.uid)).toEqual([GATEWAY_DASHBOARD_UID, COLLECTOR_DASHBOARD_UID, BACKENDS_DASHBOARD_UID, SERVICES_DASHBOARD_UID]);
    expect(specs.map((s) => s.uid)).toEqual(['lgtm-gateway', 'lgtm-otel-collector', 'lgtm-backends', 'lgtm-services']);
    for (const s of specs) {
      expect(s.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
      expect((s.json as any).uid).toBe(s.uid);
      expect((s.json as any).title).toBe(s.title);
      expect(s.title.length).toBeGreaterThan(0);
      expect(s.folder).toBe('LGTM');
    }
    expect(stackDashboards({ gateway: false }).map((s) => s.uid)).not.toContain(GATEWAY_DASHBOARD_UID);
  });

  test('GIVEN the stack dashboards THEN titles are unique in the folder and each fits a ConfigMap', () => {
    const specs = stackDashboards();
    expect(new Set(specs.map((s) => s.title)).size).toBe(specs.length);
    for (const s of specs) expect(Buffer.byteLength(JSON.stringify(s.json))).toBeLessThan(1024 * 1024 - 16 * 1024);
  });

  test('GIVEN two builds THEN the JSON is identical (stable, no random ids) and plain data (no SDK helper functions)', () => {
    expect(JSON.stringify(stackDashboards())).toBe(JSON.stringify(stackDashboards()));
    for (const s of stackDashboards()) expect(JSON.parse(JSON.stringify(s.json))).toStrictEqual(s.json);
  });

  test('GIVEN default options THEN every data source reference is a fixed provisioned uid of the right type', () => {
    for (const spec of stackDashboards()) {
      const refs = datasourceRefs(spec.json);
      expect(refs.length).toBeGreaterThan(0);
      for (const r of refs) {
        expect([{ type: 'prometheus', uid: 'prometheus' }, { type: 'tempo', uid: 'tempo' }, { type: 'grafana', uid: '-- Grafana --' }]).toContainEqual(r);
      }
      // Grafana's built-in annotation query, so `annotations.list` exists.
      expect((spec.json as any).annotations.list).toEqual([expect.objectContaining({ builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' } })]);
    }
    const tempoRefs = stackDashboards().flatMap((s) => datasourceRefs(s.json)).filter((r) => r.type === 'tempo');
    expect(tempoRefs.length).toBe(2); // the service map panel and its query
  });

  test('GIVEN custom data source uids THEN every reference uses them', () => {
    const specs = stackDashboards({ prometheusUid: 'metrics-1', tempoUid: 'traces-1', folder: 'Observability' });
    for (const spec of specs) {
      expect(spec.folder).toBe('Observability');
      for (const r of datasourceRefs(spec.json).filter((x) => x.type !== 'grafana')) {
        expect(r).toEqual(r.type === 'tempo' ? { type: 'tempo', uid: 'traces-1' } : { type: 'prometheus', uid: 'metrics-1' });
      }
    }
  });

  test('GIVEN every panel THEN it has a unique id, a data source, a grid position and targets with unique refIds on the same data source', () => {
    for (const spec of ALL()) {
      const panels = panelsOf(spec);
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of panels) {
        expect(typeof p.id).toBe('number');
        expect(p.gridPos).toEqual(expect.objectContaining({ x: expect.any(Number), y: expect.any(Number), w: expect.any(Number), h: expect.any(Number) }));
        if (p.type === 'row') continue;
        expect(p.datasource).toBeDefined();
        expect(p.targets.length).toBeGreaterThan(0);
        const refIds = p.targets.map((t: any) => t.refId);
        expect(new Set(refIds).size).toBe(refIds.length);
        for (const t of p.targets) expect(t.datasource).toEqual(p.datasource);
      }
    }
  });

  test('GIVEN every dashboard THEN no two panels overlap on the grid', () => {
    for (const spec of ALL()) {
      const boxes = panelsOf(spec).map((p) => p.gridPos);
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i];
          const b = boxes[j];
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect([spec.uid, i, j, overlap]).toEqual([spec.uid, i, j, false]);
        }
        expect(boxes[i].x + boxes[i].w).toBeLessThanOrEqual(24);
      }
    }
  });

  test('GIVEN time series panels THEN their legends are shown (the SDK hides them by default)', () => {
    const ts = ALL().flatMap(panelsOf).filter((p) => p.type === 'timeseries');
    expect(ts.length).toBeGreaterThan(20);
    for (const p of ts) expect(p.options.legend.showLegend).toBe(true);
  });

  test('GIVEN invalid options THEN the error names the field, the value and what is allowed', () => {
    expect(() => gatewayDashboard({ datasourceUid: 'bad uid!' })).toThrow(/gatewayDashboard\.datasourceUid: "bad uid!" is invalid; allowed: a Grafana data source uid/);
    expect(() => backendsDashboard({ folder: ' lead' })).toThrow(/backendsDashboard\.folder: " lead" is invalid/);
    expect(() => servicesDashboard({ tempoUid: '' })).toThrow(/servicesDashboard\.tempoUid: "" is invalid/);
    expect(() => collectorDashboard({ naming: 'otlp' as any })).toThrow(/collectorDashboard\.naming: "otlp" is invalid; allowed: one of "prometheus", "raw"/);
    expect(() => gatewayDashboard({ excludeClusters: [] })).toThrow(/gatewayDashboard\.excludeClusters/);
  });
});

// ---------------------------------------------------------------------------
// what each dashboard shows
// ---------------------------------------------------------------------------

function exprsOf(spec: DashboardSpec): string[] {
  return promExprs(spec).map((t) => t.expr);
}

describe('gateway dashboard', () => {
  const spec = gatewayDashboard();
  const exprs = exprsOf(spec);

  test('THEN it shows request rate, 5xx ratio and latency per upstream cluster', () => {
    expect(exprs).toContain('sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_total{envoy_cluster_name!~"xds_cluster|admin_port_cluster|gateway_proxy_sds"}[$__rate_interval]))');
    expect(exprs).toContain(
      'sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_xx_total{envoy_cluster_name!~"xds_cluster|admin_port_cluster|gateway_proxy_sds", envoy_response_code_class="5"}[$__rate_interval])) / sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_xx_total{envoy_cluster_name!~"xds_cluster|admin_port_cluster|gateway_proxy_sds"}[$__rate_interval]))',
    );
  });

  test('THEN latency percentiles use the native histogram and fall back to classic buckets grouped by le', () => {
    const p99 = exprs.find((e) => e.startsWith('histogram_quantile(0.99, sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_time{'));
    expect(p99).toBeDefined();
    expect(p99).toContain(' or histogram_quantile(0.99, sum by (envoy_cluster_name, le) (rate(envoy_cluster_upstream_rq_time_bucket{');
    expect(metricNamesOf(expandGrafanaIntervals(p99!))).toEqual(['envoy_cluster_upstream_rq_time', 'envoy_cluster_upstream_rq_time_bucket']);
    const latencyPanels = panelsOf(spec).filter((p) => /latency/.test(p.title));
    expect(latencyPanels.length).toBeGreaterThanOrEqual(3);
    for (const p of latencyPanels) expect(p.fieldConfig.defaults.unit).toBe('ms'); // Envoy times are milliseconds
  });

  test('THEN kgateway-internal clusters and listeners are excluded from every query', () => {
    for (const e of exprs) {
      if (e.includes('envoy_cluster_')) expect(e).toContain(`envoy_cluster_name!~"${KGATEWAY_INTERNAL_CLUSTERS.join('|')}"`);
      if (e.includes('envoy_http_')) expect(e).toContain('envoy_http_conn_manager_prefix!~"ingress_http|prometheus|admin"');
    }
  });

  test('GIVEN cluster names with regex metacharacters THEN they are escaped and the query still parses', () => {
    const e = exprsOf(gatewayDashboard({ excludeClusters: ['a.b', 'c|d', 'q"uote'] }));
    const first = e.find((x) => x.includes('envoy_cluster_upstream_rq_total'))!;
    expect(first).toContain('envoy_cluster_name!~"a\\\\.b|c\\\\|d|q\\"uote"');
    expect(parsePromql(expandGrafanaIntervals(first)).errors).toEqual([]);
  });
});

describe('collector dashboard', () => {
  test('GIVEN the default naming THEN accepted, refused, sent and failed counters of every signal carry _total', () => {
    const exprs = exprsOf(collectorDashboard()).join('\n');
    for (const item of ['spans', 'metric_points', 'log_records']) {
      for (const m of ['receiver_accepted', 'receiver_refused', 'exporter_sent', 'exporter_send_failed', 'exporter_enqueue_failed']) {
        expect(exprs).toContain(`otelcol_${m}_${item}_total`);
      }
    }
    expect(exprs).toContain('otelcol_process_memory_rss_bytes');
    expect(exprs).toContain('max by (job, instance, exporter, data_type) (otelcol_exporter_queue_size) / max by (job, instance, exporter, data_type) (otelcol_exporter_queue_capacity)');
  });

  test('GIVEN a collector without some pipeline THEN the all-signal totals still answer (missing signals count as 0)', () => {
    const stat = panelsOf(collectorDashboard()).find((p) => p.title === 'Send failures / s');
    expect(stat.targets[0].expr).toBe(
      ['spans', 'metric_points', 'log_records'].map((i) => `(sum (rate(otelcol_exporter_send_failed_${i}_total[$__rate_interval])) or vector(0))`).join(' + '),
    );
  });

  test('GIVEN the raw naming THEN the OTLP names are used and no _total counter remains', () => {
    const names = exprsOf(collectorDashboard({ naming: 'raw' })).flatMap((e) => metricNamesOf(expandGrafanaIntervals(e)));
    expect(names).toContain('otelcol_receiver_accepted_spans');
    expect(names).toContain('otelcol_process_memory_rss');
    expect(names.filter((n) => n.endsWith('_total'))).toEqual([]);
    expect(collectorMetricNames('raw').exporterSendFailed('logs')).toBe('otelcol_exporter_send_failed_log_records');
  });

  test('THEN there is one row per signal with receiver and exporter panels grouped by component', () => {
    const panels = panelsOf(collectorDashboard());
    expect(panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual(['Overview', 'Traces', 'Metrics', 'Logs', 'Exporter queues', 'Process']);
    const receivers = panels.find((p) => p.title === 'Logs: receivers');
    expect(receivers.targets.map((t: any) => t.legendFormat)).toEqual(['{{receiver}} accepted', '{{receiver}} refused']);
    expect(receivers.targets[0].expr).toContain('sum by (receiver) (rate(otelcol_receiver_accepted_log_records_total[');
  });
});

describe('backends dashboard', () => {
  const exprs = exprsOf(backendsDashboard()).join('\n');

  test('THEN it reads Loki, Tempo and Prometheus ingestion with the verified names and label values', () => {
    for (const n of [
      'loki_distributor_bytes_received_total',
      'loki_distributor_lines_received_total',
      'loki_discarded_samples_total',
      'tempo_distributor_spans_received_total',
      'tempo_discarded_spans_total',
      'prometheus_tsdb_head_series',
    ]) {
      expect(exprs).toContain(n);
    }
    expect(exprs).toContain('handler=~"/api/v1/write|/api/v1/otlp/v1/metrics"');
    expect(exprs).toContain('route=~"loki_api_v1_push|api_prom_push|otlp_v1_logs"');
  });

  test('THEN Loki request counts work with native and classic histograms', () => {
    expect(exprs).toContain('histogram_count(rate(loki_request_duration_seconds{');
    expect(exprs).toContain('rate(loki_request_duration_seconds_count{');
  });
});

describe('services dashboard', () => {
  const spec = servicesDashboard();

  test('THEN it has a node graph panel on the Tempo data source with a service map query', () => {
    const ng = panelsOf(spec).filter((p) => p.type === 'nodeGraph');
    expect(ng).toHaveLength(1);
    expect(ng[0].datasource).toEqual({ type: 'tempo', uid: 'tempo' });
    expect(ng[0].targets).toEqual([expect.objectContaining({ refId: 'A', queryType: 'serviceMap', datasource: { type: 'tempo', uid: 'tempo' } })]);
  });

  test('THEN RED panels read span metrics of inbound spans, errors by STATUS_CODE_ERROR, and the service graph', () => {
    const exprs = exprsOf(spec).join('\n');
    expect(exprs).toContain('traces_spanmetrics_calls_total{service=~"$service", span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER", status_code="STATUS_CODE_ERROR"}');
    expect(exprs).toContain('traces_spanmetrics_latency_bucket');
    expect(exprs).toContain('traces_service_graph_request_failed_total');
    expect(exprs).toContain('traces_service_graph_request_server_seconds_bucket');
    const v = (spec.json as any).templating.list[0];
    expect(v).toEqual(expect.objectContaining({ name: 'service', type: 'query', multi: true, includeAll: true, allValue: '.*' }));
  });
});

describe('dashboard snapshots', () => {
  test.each(stackDashboards().map((s) => [s.uid, s] as const))('GIVEN %s THEN its JSON matches the snapshot', (uid, spec) => {
    const json = spec.json as { uid?: string; title?: string; panels?: unknown[] };
    expect({ uid: json.uid, title: json.title, hasPanels: (json.panels ?? []).length > 0 }).toEqual({ uid, title: spec.title, hasPanels: true });
    expect(spec.json).toMatchSnapshot();
  });
});
