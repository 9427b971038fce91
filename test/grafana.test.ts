import { Chart } from 'cdk8s';
import {
  EXEMPLAR_TRACE_ID_LABELS,
  Grafana,
  GRAFANA_DASHBOARDS_DIR,
  grafanaDatasources,
  GrafanaProps,
  LOKI_DATASOURCE_UID,
  PROMETHEUS_DATASOURCE_UID,
  TEMPO_DATASOURCE_UID,
} from '../components/grafana';
import { Loki } from '../components/loki';
import { Prometheus } from '../components/prometheus';
import { Tempo } from '../components/tempo';
import { Endpoint } from '../lib/endpoint';
import { ValidationError } from '../lib/validation';
import { podPolicyViolations } from './support/restricted';
import { find, newChart, parseYaml, schemaErrors, synth } from './support/synth';

type Backend = 'prometheus' | 'loki' | 'tempo';
const ALL: Backend[] = ['prometheus', 'loki', 'tempo'];
/** Every cross-link the full stack has, as `<from data source>-><to data source>`. */
const ALL_LINKS = ['prometheus->tempo', 'loki->tempo', 'tempo->loki', 'tempo->prometheus'];

/** Builds the real backends that are asked for, wired as in a full stack, plus Grafana. */
function stack(wired: Backend[], grafanaProps: Partial<GrafanaProps> = {}, opts: { lokiTenant?: string } = {}) {
  const chart = newChart();
  const prometheus = wired.includes('prometheus') ? new Prometheus(chart, 'prometheus') : undefined;
  const loki = wired.includes('loki') ? new Loki(chart, 'loki', { tenant: opts.lokiTenant }) : undefined;
  const tempo = wired.includes('tempo') ? new Tempo(chart, 'tempo', { metricsGenerator: prometheus ? { prometheus } : undefined }) : undefined;
  const grafana = new Grafana(chart, 'grafana', { prometheus, loki, tempo, ...grafanaProps });
  return { chart, grafana, prometheus, loki, tempo };
}

/** The parsed datasources.yaml out of the Grafana ConfigMap. */
function datasourcesFile(objects: any[]): any {
  return parseYaml(find(objects, 'ConfigMap', 'grafana-config').data['datasources.yaml']);
}

/** Every `datasourceUid` value in a data source's jsonData, with the path it sits at. */
function uidRefs(v: unknown, path = ''): { path: string; uid: string }[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => uidRefs(x, `${path}[${i}]`));
  if (v && typeof v === 'object') {
    return Object.entries(v).flatMap(([k, x]) => (k === 'datasourceUid' ? [{ path: `${path}.${k}`, uid: x as string }] : uidRefs(x, `${path}.${k}`)));
  }
  return [];
}

/** Every string in a value (recursively). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

/** What Grafana does to each provisioning string: `$$` becomes `$`, any other `$NAME`/`${NAME}` is an env lookup. */
function grafanaInterpolates(s: string): boolean {
  return s.split('$$').some((part) => part.includes('$'));
}
const asGrafanaReads = (s: string) => s.split('$$').join('$');

function checksum(objects: any[]): string {
  return find(objects, 'Deployment', 'grafana').spec.template.metadata.annotations['checksum/config'];
}

function podSpec(objects: any[]): any {
  return find(objects, 'Deployment', 'grafana').spec.template.spec;
}

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

/** Non-empty subsets of the backends. */
const SUBSETS: Backend[][] = [['prometheus'], ['loki'], ['tempo'], ['prometheus', 'loki'], ['prometheus', 'tempo'], ['loki', 'tempo'], ALL];

describe('grafanaDatasources (pure)', () => {
  const ep = (service: string, port: number) => new Endpoint({ service, namespace: 'obs', port, portName: 'http', protocol: 'http' });

  test('GIVEN all three backends WHEN built THEN the provisioning object has fixed uids and every cross-link, exactly', () => {
    const prometheus = { endpoints: { http: ep('prometheus', 9090) }, scrapeInterval: '30s' };
    const ds = grafanaDatasources({
      prometheus,
      loki: { endpoints: { http: ep('loki', 3100) }, tenantHeaders: {} },
      tempo: { endpoints: { http: ep('tempo', 3200) }, metricsGeneratorTarget: prometheus },
    });
    expect(ds).toEqual({
      apiVersion: 1,
      prune: true,
      datasources: [
        {
          name: 'Prometheus',
          type: 'prometheus',
          uid: 'prometheus',
          access: 'proxy',
          orgId: 1,
          isDefault: true,
          editable: false,
          url: 'http://prometheus.obs.svc:9090',
          jsonData: {
            httpMethod: 'POST',
            prometheusType: 'Prometheus',
            prometheusVersion: '3.16.0',
            timeInterval: '30s',
            exemplarTraceIdDestinations: [
              { name: 'trace_id', datasourceUid: 'tempo', urlDisplayLabel: 'View trace' },
              { name: 'traceID', datasourceUid: 'tempo', urlDisplayLabel: 'View trace' },
            ],
          },
        },
        {
          name: 'Loki',
          type: 'loki',
          uid: 'loki',
          access: 'proxy',
          orgId: 1,
          isDefault: false,
          editable: false,
          url: 'http://loki.obs.svc:3100',
          jsonData: {
            maxLines: 1000,
            derivedFields: [
              { name: 'TraceID', matcherType: 'label', matcherRegex: 'trace_id', datasourceUid: 'tempo', url: '$${__value.raw}', urlDisplayLabel: 'View trace' },
              {
                name: 'TraceIDInLine',
                matcherType: 'regex',
                matcherRegex: '(?:trace_id|traceID|traceId)"?\\s*[=:]\\s*"?([0-9a-fA-F]{16,32})',
                datasourceUid: 'tempo',
                url: '$${__value.raw}',
                urlDisplayLabel: 'View trace',
              },
            ],
          },
        },
        {
          name: 'Tempo',
          type: 'tempo',
          uid: 'tempo',
          access: 'proxy',
          orgId: 1,
          isDefault: false,
          editable: false,
          url: 'http://tempo.obs.svc:3200',
          jsonData: {
            tracesToLogsV2: {
              datasourceUid: 'loki',
              spanStartTimeShift: '-5m',
              spanEndTimeShift: '5m',
              tags: [{ key: 'service.name', value: 'service_name' }],
              filterByTraceID: true,
              filterBySpanID: false,
              customQuery: false,
            },
            tracesToMetrics: {
              datasourceUid: 'prometheus',
              spanStartTimeShift: '-30m',
              spanEndTimeShift: '30m',
              tags: [{ key: 'service.name', value: 'service' }],
              queries: [
                { name: 'Request rate', query: 'sum by (span_name) (rate(traces_spanmetrics_calls_total{$$__tags}[5m]))' },
                { name: 'Error rate', query: 'sum by (span_name) (rate(traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR", $$__tags}[5m]))' },
                { name: 'Latency p95', query: 'histogram_quantile(0.95, sum by (le, span_name) (rate(traces_spanmetrics_latency_bucket{$$__tags}[5m])))' },
              ],
            },
            serviceMap: { datasourceUid: 'prometheus' },
            nodeGraph: { enabled: true },
            search: { hide: false },
            traceQuery: { timeShiftEnabled: true, spanStartTimeShift: '-30m', spanEndTimeShift: '30m' },
            streamingEnabled: { search: true, metrics: true },
          },
        },
      ],
    });
  });

  test('GIVEN Tempo writing native histograms WHEN built THEN the latency link queries the native series, not _bucket', () => {
    const prometheus = { endpoints: { http: ep('p', 9090) } };
    const ds = grafanaDatasources({ prometheus, tempo: { endpoints: { http: ep('t', 3200) }, metricsGeneratorTarget: prometheus, histograms: 'native' } });
    const queries = ds.datasources.find((d) => d.uid === 'tempo')!.jsonData.tracesToMetrics as { queries: { name: string; query: string }[] };
    expect(queries.queries.find((q) => q.name === 'Latency p95')!.query).toBe(
      'histogram_quantile(0.95, sum by (span_name) (rate(traces_spanmetrics_latency{$$__tags}[5m])))',
    );
  });

  test('GIVEN Tempo whose metrics-generator does not write to the wired Prometheus WHEN built THEN Tempo has no metrics or service-map link', () => {
    const prometheus = { endpoints: { http: ep('p', 9090) } };
    for (const metricsGeneratorTarget of [undefined, { endpoints: { http: ep('other', 9090) } }]) {
      const ds = grafanaDatasources({ prometheus, tempo: { endpoints: { http: ep('t', 3200) }, metricsGeneratorTarget } });
      const tempo = ds.datasources.find((d) => d.uid === 'tempo')!;
      expect(tempo.jsonData).not.toHaveProperty('tracesToMetrics');
      expect(tempo.jsonData).not.toHaveProperty('serviceMap');
      // Exemplars still link Prometheus to Tempo (OTLP metrics carry trace_id exemplars).
      expect(uidRefs(ds.datasources[0].jsonData).map((r) => r.uid)).toEqual(['tempo', 'tempo']);
    }
  });

  test.each([
    ['level=info trace_id=4bf92f3577b34da6a3ce929d0e0e4736 msg=ok', '4bf92f3577b34da6a3ce929d0e0e4736'],
    ['{"level":"info","traceId":"4bf92f3577b34da6a3ce929d0e0e4736"}', '4bf92f3577b34da6a3ce929d0e0e4736'],
    ['traceID: 00f067aa0ba902b7 done', '00f067aa0ba902b7'],
    ['user_id=4bf92f3577b34da6a3ce929d0e0e4736', undefined],
  ])('GIVEN the log line %p WHEN the in-line derived field matches THEN Grafana links trace %p', (line, id) => {
    const ds = grafanaDatasources({ loki: { endpoints: { http: ep('l', 3100) } }, tempo: { endpoints: { http: ep('t', 3200) } } });
    const field = (ds.datasources[0].jsonData.derivedFields as { matcherType: string; matcherRegex: string }[]).find((f) => f.matcherType === 'regex')!;
    // Grafana's Loki data source takes the first capture group of line.match(matcherRegex).
    expect(line.match(new RegExp(field.matcherRegex))?.[1]).toBe(id);
  });

  test('GIVEN no backends WHEN built THEN no data sources are provisioned', () => {
    expect(grafanaDatasources({}).datasources).toEqual([]);
  });

  test('GIVEN a tenant header value with "$" WHEN built THEN it is escaped so Grafana does not expand it', () => {
    const ds = grafanaDatasources({ loki: { endpoints: { http: ep('loki', 3100) }, tenantHeaders: { 'X-Scope-OrgID': 'a$b' } } });
    expect(ds.datasources[0].secureJsonData).toEqual({ httpHeaderValue1: 'a$$b' });
    expect(ds.datasources[0].jsonData.httpHeaderName1).toBe('X-Scope-OrgID');
  });
});

describe('Grafana data sources from the wired constructs', () => {
  test.each(SUBSETS.map((s) => [s.join('+'), s] as const))(
    'GIVEN %s wired WHEN synthesized THEN only their data sources and links exist, every link targets a provisioned uid and every URL is the rendered Service',
    (_label, wired) => {
      const { chart, grafana } = stack([...wired]);
      const objects = synth(chart);
      const file = datasourcesFile(objects);

      expect(file.apiVersion).toBe(1);
      const uids = file.datasources.map((d: any) => d.uid).sort();
      expect(uids).toEqual([...wired].sort());
      expect(grafana.datasourceUids).toEqual(Object.fromEntries(wired.map((b) => [b, b])));
      expect(file.datasources.filter((d: any) => d.isDefault)).toHaveLength(1);

      const links: string[] = [];
      for (const ds of file.datasources) {
        for (const ref of uidRefs(ds.jsonData)) {
          expect({ from: ds.uid, path: ref.path, target: ref.uid, provisioned: uids.includes(ref.uid) }).toEqual({
            from: ds.uid,
            path: ref.path,
            target: ref.uid,
            provisioned: true,
          });
          links.push(`${ds.uid}->${ref.uid}`);
        }
        // The URL is exactly the Service the wired construct rendered, on its http port.
        const svc = find(objects, 'Service', ds.uid);
        const port = svc.spec.ports.find((p: any) => p.name === 'http');
        expect(ds.url).toBe(`http://${svc.metadata.name}.${svc.metadata.namespace}.svc:${port.port}`);
      }
      const expectedLinks = ALL_LINKS.filter((l) => l.split('->').every((b) => wired.includes(b as Backend)));
      expect([...new Set(links)].sort()).toEqual(expectedLinks.sort());
      expect(schemaErrors(objects)).toEqual([]);
      expect(podPolicyViolations(objects)).toEqual([]);
    },
  );

  test('GIVEN the full stack WHEN synthesized THEN the URLs are the ports the backends listen on (9090, 3100, 3200)', () => {
    const { chart, prometheus, loki, tempo } = stack(ALL);
    const byUid = Object.fromEntries(datasourcesFile(synth(chart)).datasources.map((d: any) => [d.uid, d.url]));
    expect(byUid).toEqual({
      prometheus: 'http://prometheus.telemetry.svc:9090',
      loki: 'http://loki.telemetry.svc:3100',
      tempo: 'http://tempo.telemetry.svc:3200',
    });
    expect(byUid).toEqual({ prometheus: prometheus!.endpoints.http.url(), loki: loki!.endpoints.http.url(), tempo: tempo!.endpoints.http.url() });
  });

  test('GIVEN the full stack WHEN Grafana reads the file THEN its own link templates survive env interpolation and nothing else is expanded', () => {
    const file = datasourcesFile(synth(stack(ALL).chart));
    expect(strings(file).filter(grafanaInterpolates)).toEqual([]);
    const loki = file.datasources.find((d: any) => d.uid === LOKI_DATASOURCE_UID);
    expect(loki.jsonData.derivedFields.map((f: any) => asGrafanaReads(f.url))).toEqual(['${__value.raw}', '${__value.raw}']);
    const tempo = file.datasources.find((d: any) => d.uid === TEMPO_DATASOURCE_UID);
    for (const q of tempo.jsonData.tracesToMetrics.queries) expect(asGrafanaReads(q.query)).toContain('$__tags}');
    expect(tempo.jsonData).not.toHaveProperty('lokiSearch');
    expect(tempo.jsonData).not.toHaveProperty('tracesToLogs');
    const prom = file.datasources.find((d: any) => d.uid === PROMETHEUS_DATASOURCE_UID);
    expect(prom.jsonData.exemplarTraceIdDestinations.map((d: any) => d.name)).toEqual([...EXEMPLAR_TRACE_ID_LABELS]);
  });

  test('GIVEN the wired Prometheus WHEN synthesized THEN timeInterval is its scrape interval and the version its pinned image', () => {
    const { chart, prometheus } = stack(['prometheus']);
    const prom = datasourcesFile(synth(chart)).datasources[0];
    expect(prom.jsonData.timeInterval).toBe(prometheus!.scrapeInterval);
    expect(prom.jsonData.prometheusVersion).toBe(prometheus!.identity.version);
  });

  test('GIVEN a multi-tenant Loki WHEN synthesized THEN Grafana sends its X-Scope-OrgID header', () => {
    const { chart, loki } = stack(['loki'], {}, { lokiTenant: 'team-a' });
    const ds = datasourcesFile(synth(chart)).datasources[0];
    expect(loki!.tenantHeaders).toEqual({ 'X-Scope-OrgID': 'team-a' });
    expect(ds.jsonData.httpHeaderName1).toBe('X-Scope-OrgID');
    expect(ds.secureJsonData).toEqual({ httpHeaderValue1: 'team-a' });
  });

  test('GIVEN a single-tenant Loki WHEN synthesized THEN no header is configured', () => {
    const ds = datasourcesFile(synth(stack(['loki']).chart)).datasources[0];
    expect(Object.keys(ds.jsonData).filter((k) => k.startsWith('httpHeader'))).toEqual([]);
    expect(ds.secureJsonData).toBeUndefined();
  });
});

describe('Grafana workload', () => {
  test('GIVEN defaults WHEN synthesized THEN a 1-replica Deployment serves http 3000 with /api/health probes, uid/gid 472 and writable scratch dirs', () => {
    const { chart, grafana } = stack([]);
    const objects = synth(chart);
    const deploy = find(objects, 'Deployment', 'grafana');
    expect(deploy.spec.replicas).toBe(1);
    const pod = deploy.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe('docker.io/grafana/grafana:13.2.3');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(probe.httpGet).toEqual({ path: '/api/health', port: 'http' });
    expect([pod.securityContext.runAsUser, pod.securityContext.runAsGroup, pod.securityContext.fsGroup]).toEqual([472, 472, 472]);
    const emptyDirs = pod.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name);
    const mounted = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m.name]));
    expect(emptyDirs.map((n: string) => Object.keys(mounted).find((p) => mounted[p] === n)).sort()).toEqual(['/tmp', '/var/lib/grafana', '/var/log/grafana']);
    expect(mounted['/etc/grafana/provisioning/datasources']).toBe('config');
    // Nothing may shadow the bundled data source plugins of the image.
    expect(Object.keys(mounted).filter((p) => p.startsWith('/usr/share/grafana'))).toEqual([]);
    expect(find(objects, 'Service', 'grafana').spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
    expect(grafana.endpoints.http.url()).toBe('http://grafana.telemetry.svc:3000');
    expect(grafana.name).toBe('grafana');
    expect(grafana.identity).toEqual({ name: 'grafana', app: 'grafana', component: 'visualization', version: '13.2.3', namespace: 'telemetry' });
    expect(grafana.workload.workload.kind).toBe('Deployment');
  });

  test('GIVEN defaults WHEN synthesized THEN anonymous access, sign-up, analytics and the plugin installer are off', () => {
    const env = podSpec(synth(stack([]).chart)).containers[0].env;
    const plain = Object.fromEntries(env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    expect(plain).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
      GF_PLUGINS_PREINSTALL_AUTO_UPDATE: 'false',
      GF_PLUGINS_PREINSTALL_DISABLED: 'true',
    });
  });

  test('GIVEN defaults WHEN synthesized THEN Grafana downloads no plugin-signing keys at start ([plugins] public_key_retrieval_disabled)', () => {
    const env = podSpec(synth(stack([]).chart)).containers[0].env;
    expect(env).toContainEqual({ name: 'GF_PLUGINS_PUBLIC_KEY_RETRIEVAL_DISABLED', value: 'true' });
    // And it never forces the download either.
    expect(env.map((e: any) => e.name)).not.toContain('GF_PLUGINS_PUBLIC_KEY_RETRIEVAL_ON_STARTUP');
  });

  test("GIVEN defaults WHEN synthesized THEN Grafana's data proxy waits as long as Loki's query timeout (not its 30 s default)", () => {
    const env = podSpec(synth(stack([]).chart)).containers[0].env;
    expect(env).toContainEqual({ name: 'GF_DATAPROXY_TIMEOUT', value: '300' });
  });

  test('GIVEN admin credentials WHEN synthesized THEN they come only from the Secret, and no literal credential exists anywhere', () => {
    const { chart } = stack(ALL, { adminSecret: { name: 'ops-grafana', userKey: 'user', passwordKey: 'pass' } }, { lokiTenant: 't1' });
    const objects = synth(chart);
    const env = podSpec(objects).containers[0].env;
    expect(env.filter((e: any) => e.name.startsWith('GF_SECURITY_ADMIN'))).toEqual([
      { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: 'ops-grafana', key: 'user' } } },
      { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'ops-grafana', key: 'pass' } } },
    ]);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    // Any key naming a credential, anywhere (also inside the rendered config files), must not hold a literal.
    const literal: string[] = [];
    const walk = (v: unknown, path: string) => {
      if (typeof v === 'string') {
        if (/password|passwd|secret|token|apikey/i.test(path.split('.').pop()!)) literal.push(`${path}=${v}`);
        if (/^[\s\S]*:\s/.test(v) && /\n/.test(v)) {
          try {
            walk(parseYaml(v), `${path}(yaml)`);
          } catch {
            /* not YAML */
          }
        }
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    };
    objects.forEach((o) => walk(o, `${o.kind}/${o.metadata.name}`));
    expect(literal).toEqual([]);
    expect(JSON.stringify(objects)).not.toMatch(/"(GF_SECURITY_ADMIN_PASSWORD|GF_SECURITY_ADMIN_USER)","value"/);
  });

  test('GIVEN default credentials WHEN synthesized THEN the Secret grafana-admin with keys admin-user/admin-password is referenced', () => {
    const env = podSpec(synth(stack([]).chart)).containers[0].env;
    expect(env.find((e: any) => e.name === 'GF_SECURITY_ADMIN_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'grafana-admin', key: 'admin-password' });
    expect(env.find((e: any) => e.name === 'GF_SECURITY_ADMIN_USER').valueFrom.secretKeyRef).toEqual({ name: 'grafana-admin', key: 'admin-user' });
  });

  test('GIVEN a root URL WHEN synthesized THEN GF_SERVER_ROOT_URL carries it', () => {
    const env = podSpec(synth(stack([], { rootUrl: 'https://grafana.example.com/' }).chart)).containers[0].env;
    expect(env).toContainEqual({ name: 'GF_SERVER_ROOT_URL', value: 'https://grafana.example.com/' });
  });
});

describe('Grafana dashboards', () => {
  const dash = (title: string, extra: object = {}) => ({ title, panels: [], schemaVersion: 39, ...extra });

  test('GIVEN no dashboards WHEN synthesized THEN no dashboard provider polls a missing directory', () => {
    const objects = synth(stack([]).chart);
    expect(parseYaml(find(objects, 'ConfigMap', 'grafana-provisioning').data['dashboards.yaml'])).toEqual({ apiVersion: 1, providers: [] });
  });

  test('GIVEN a dashboard WHEN synthesized THEN the provider reads the dashboards root, folders from the files, read-only', () => {
    const { chart, grafana } = stack([]);
    grafana.addDashboard('Apps', 'app', dash('App'));
    const objects = synth(chart);
    const cm = find(objects, 'ConfigMap', 'grafana-provisioning');
    expect(parseYaml(cm.data['dashboards.yaml'])).toEqual({
      apiVersion: 1,
      providers: [
        {
          name: 'default',
          orgId: 1,
          type: 'file',
          disableDeletion: true,
          allowUiUpdates: false,
          updateIntervalSeconds: 30,
          options: { path: GRAFANA_DASHBOARDS_DIR, foldersFromFilesStructure: true },
        },
      ],
    });
    const pod = podSpec(objects);
    expect(pod.volumes).toContainEqual({ name: 'dashboard-providers', configMap: { name: 'grafana-provisioning' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'dashboard-providers', mountPath: '/etc/grafana/provisioning/dashboards', readOnly: true });
  });

  test('GIVEN dashboards added after construction WHEN synthesized THEN each has a labelled ConfigMap and each folder is a directory under the provider path', () => {
    const { chart, grafana } = stack(ALL);
    const before = checksum(synth(stack(ALL).chart));
    grafana.addDashboard('Kubernetes', 'k8s-pods', dash('Pods'));
    grafana.addDashboard('Kubernetes', 'k8s_Nodes', dash('Nodes', { uid: 'k8s_Nodes' }));
    grafana.addDashboard('Gateway', 'gw-overview', dash('Overview'));
    const objects = synth(chart);

    const cms = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
    expect(cms.map((c) => c.metadata.name).sort()).toEqual(['grafana-dashboard-gw-overview', 'grafana-dashboard-k8s-nodes-483b156c', 'grafana-dashboard-k8s-pods']);
    const pods = find(objects, 'ConfigMap', 'grafana-dashboard-k8s-pods');
    expect(JSON.parse(pods.data['k8s-pods.json'])).toEqual({ ...dash('Pods'), uid: 'k8s-pods' });

    // Each folder is its own mount point (a real directory, which Grafana's walker enters)
    // directly under the provider path, and projects exactly that folder's ConfigMaps.
    const pod = podSpec(objects);
    const root = parseYaml(find(objects, 'ConfigMap', 'grafana-provisioning').data['dashboards.yaml']).providers[0].options.path;
    const files: string[] = [];
    for (const m of pod.containers[0].volumeMounts.filter((x: any) => x.mountPath.startsWith(`${root}/`))) {
      expect(m.readOnly).toBe(true);
      const folder = m.mountPath.slice(root.length + 1);
      expect(folder).not.toContain('/');
      const vol = pod.volumes.find((v: any) => v.name === m.name);
      for (const src of vol.projected.sources) {
        const cm = find(objects, 'ConfigMap', src.configMap.name);
        for (const item of src.configMap.items) {
          expect(cm.data[item.key]).toBeDefined();
          files.push(`${folder}/${item.path}=${JSON.parse(cm.data[item.key]).uid}`);
        }
      }
    }
    expect(files.sort()).toEqual(['Gateway/gw-overview.json=gw-overview', 'Kubernetes/k8s-pods.json=k8s-pods', 'Kubernetes/k8s_Nodes.json=k8s_Nodes']);
    expect(pod.containers[0].volumeMounts.map((m: any) => m.mountPath)).not.toContain(root);

    expect(checksum(objects)).not.toBe(before);
    expect(grafana.dashboards.map((d) => `${d.folder}/${d.uid}`)).toEqual(['Gateway/gw-overview', 'Kubernetes/k8s-pods', 'Kubernetes/k8s_Nodes']);
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
  });

  test('GIVEN the same dashboard with different content WHEN synthesized THEN the pod checksum differs', () => {
    const a = stack([]);
    a.grafana.addDashboard('Apps', 'app', dash('App'));
    const b = stack([]);
    b.grafana.addDashboard('Apps', 'app', dash('App', { refresh: '30s' }));
    const c = stack([]);
    c.grafana.addDashboard('Apps', 'app', dash('App'));
    expect(checksum(synth(a.chart))).not.toBe(checksum(synth(b.chart)));
    expect(checksum(synth(a.chart))).toBe(checksum(synth(c.chart)));
  });

  test.each([
    ['a bad uid', 'Apps', 'bad uid!', dash('x'), 'uid: "bad uid!" is invalid; allowed: a Grafana uid'],
    ['a uid over 40 characters', 'Apps', 'a'.repeat(41), dash('x'), `uid: "${'a'.repeat(41)}" is invalid; allowed: a Grafana uid: 1-40 characters`],
    ['the General folder', 'General', 'x', dash('x'), 'folder: "General" is invalid; allowed: a folder title'],
    ['a nested path as folder', '../etc', 'x', dash('x'), 'folder: "../etc" is invalid'],
    ['an empty folder', '', 'x', dash('x'), 'folder: "" is invalid'],
    ['a conflicting json uid', 'Apps', 'x', dash('x', { uid: 'y' }), 'json.uid: "y" is invalid; allowed: absent, null or equal to the uid argument "x"'],
    ['no title', 'Apps', 'x', { panels: [] }, 'json.title: undefined (missing) is invalid; allowed: a non-empty dashboard title'],
    ['an array', 'Apps', 'x', [], 'json: [] is invalid; allowed: a dashboard JSON model'],
  ])('GIVEN %s WHEN adding a dashboard THEN it throws naming field, value and what is allowed', (_case, folder, uid, json, message) => {
    const { grafana } = stack([]);
    const err = errorOf(() => grafana.addDashboard(folder, uid, json));
    expect(err.message).toContain(message);
    expect(err.message).toContain('Grafana.addDashboard');
    expect(grafana.dashboards).toEqual([]);
  });

  test('GIVEN a used uid or a title used in the folder WHEN adding a dashboard THEN it throws', () => {
    const { grafana } = stack([]);
    grafana.addDashboard('Apps', 'app', dash('App'));
    expect(errorOf(() => grafana.addDashboard('Other', 'app', dash('Other'))).message).toContain('uid: "app" is invalid; allowed: a uid not used by another dashboard');
    expect(errorOf(() => grafana.addDashboard('Apps', 'app2', dash('App'))).message).toContain('json.title: "App" is invalid; allowed: a title not used by another dashboard in folder "Apps"');
    // The same title in another folder is fine.
    expect(grafana.addDashboard('Other', 'app3', dash('App')).configMapName).toBe('grafana-dashboard-app3');
  });
});

describe('Grafana props validation', () => {
  test.each([
    [{ adminSecret: { name: 'Bad_Name' } }, 'grafana.adminSecret.name: the value (not shown: it may be a credential) is invalid; allowed: a Secret name'],
    [{ adminSecret: { name: 'ok', userKey: 'bad key' } }, 'grafana.adminSecret.userKey: the value (not shown: it may be a credential) is invalid; allowed: a Secret data key'],
    [{ adminSecret: { name: 'ok', userKey: 'k', passwordKey: 'k' } }, 'grafana.adminSecret.passwordKey: the value (not shown: it may be a credential) is invalid; allowed: a key other than userKey'],
    [{ replicas: 2 }, 'grafana.replicas: 2 is invalid; allowed: 0 or 1'],
    [{ name: 'Grafana' }, 'grafana.name: "Grafana" is invalid; allowed: a DNS-1035 label'],
    [{ rootUrl: 'grafana.example.com' }, 'grafana.rootUrl: "grafana.example.com" is invalid; allowed: an http:// or https:// URL'],
    [{ resources: { limits: { memory: '1GB' } } }, 'grafana.resources.limits.memory: "1GB" is invalid; allowed: a Kubernetes quantity'],
  ] as [Partial<GrafanaProps>, string][])('GIVEN %j WHEN constructing THEN it throws naming field, value and allowed, before adding anything', (props, message) => {
    const chart: Chart = newChart();
    const err = errorOf(() => new Grafana(chart, 'grafana', props));
    expect(err.message).toContain(message);
    expect(err.message).toContain('in Grafana props');
    expect(chart.node.children).toHaveLength(0);
  });
});

describe('Grafana snapshot', () => {
  test('GIVEN the full stack with a dashboard WHEN synthesized THEN Grafana objects match the snapshot and pass schema and policy checks', () => {
    const { chart, grafana } = stack(ALL, {}, { lokiTenant: 'team-a' });
    grafana.addDashboard('Kubernetes', 'k8s-pods', { title: 'Pods', panels: [] });
    const objects = synth(chart);
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
    expect(objects.filter((o) => o.metadata?.labels?.['app.kubernetes.io/name'] === 'grafana')).toMatchSnapshot();
  });
});
