import { Chart } from 'cdk8s';
import {
  GATEWAY_ENDPOINT_ENV,
  GatewayTarget,
  LogsCollector,
  MetricsCollector,
  MINIMUM_METRIC_SET,
  NodeAgent,
  TelemetryGateway,
  TracesCollector,
} from '../components/collector';
import { Loki } from '../components/loki';
import { Prometheus } from '../components/prometheus';
import { Tempo } from '../components/tempo';
import { podPolicyViolations } from './support/restricted';
import { find, newChart, parseYaml, schemaErrors, synth } from './support/synth';
import { collectorAlerts } from '../dashboards/alerts/collector';
import { gatewayAlerts } from '../dashboards/alerts/gateway';

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

interface Stack {
  chart: Chart;
  loki: Loki;
  tempo: Tempo;
  prometheus: Prometheus;
}

function backends(chart = newChart(), lokiTenant?: string): Stack {
  return {
    chart,
    loki: new Loki(chart, 'loki', lokiTenant ? { tenant: lokiTenant } : {}),
    tempo: new Tempo(chart, 'tempo'),
    prometheus: new Prometheus(chart, 'prometheus'),
  };
}

/** The parsed collector config of the collector named `name`. */
function collectorConfig(objects: any[], name: string): any {
  return parseYaml(find(objects, 'ConfigMap', `${name}-config`).data['config.yaml']);
}

/** Objects belonging to one component instance (by label), plus its cluster-scoped RBAC. */
/** What every collector snapshot also asserts: schema-valid, restricted PSS, and its exporters. */
function expectMeaning(objects: any[], name: string, exporters: string[]): void {
  expect(schemaErrors(objects)).toEqual([]);
  expect(podPolicyViolations(objects)).toEqual([]);
  expect(Object.keys(collectorConfig(objects, name).exporters).sort()).toEqual([...exporters].sort());
}

function objectsOf(objects: any[], name: string): any[] {
  return objects.filter((o) => o.metadata?.labels?.['app.kubernetes.io/instance'] === name);
}

/**
 * Resolves `host:port` (or a URL) to the Service the construct rendered and
 * checks the Service selects the pods of `instance` and exposes that port;
 * returns the Service port.
 */
function servicePortBehind(objects: any[], address: string, instance: string): any {
  const u = address.includes('://') ? new URL(address) : new URL(`grpc://${address}`);
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc$/.exec(u.hostname);
  expect(m).not.toBeNull();
  const svc = find(objects, 'Service', m![1]);
  expect(svc.metadata.namespace).toBe(m![2]);
  expect(svc.spec.selector['app.kubernetes.io/instance']).toBe(instance);
  const workloads = objects.filter((o) => ['StatefulSet', 'Deployment', 'DaemonSet'].includes(o.kind) && o.metadata.name === instance);
  expect(workloads).toHaveLength(1);
  const podLabels = workloads[0].spec.template.metadata.labels;
  for (const [k, v] of Object.entries(svc.spec.selector)) expect(podLabels[k]).toBe(v);
  const port = svc.spec.ports.find((p: any) => p.port === Number(u.port));
  expect(port).toBeDefined();
  return port;
}

function podSpec(objects: any[], kind: string, name: string): any {
  return find(objects, kind, name).spec.template.spec;
}

/** The plain value of a container env var of a workload. */
function envValue(objects: any[], kind: string, name: string, env: string): string | undefined {
  const vars = podSpec(objects, kind, name).containers[0].env ?? [];
  const found = vars.filter((e: any) => e.name === env);
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

function expectValid(objects: any[]): void {
  expect(schemaErrors(objects)).toEqual([]);
  expect(podPolicyViolations(objects)).toEqual([]);
}

const QUEUE = { enabled: true, num_consumers: 10, queue_size: 1000 };
const RETRY = { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s' };
/**
 * The durable hop's queue (components/collector/queue.ts): `files` queue files share a
 * `gib` GiB volume; each file may grow to 90% of the volume / files, the queue holds half a file.
 */
function durable(gib: number, files: number) {
  const maxSize = Math.floor((gib * 2 ** 30 * 0.9) / files);
  return {
    queue: { enabled: true, num_consumers: 10, sizer: 'bytes', queue_size: Math.floor(maxSize * 0.5), storage: 'file_storage/queue' },
    retry: { ...RETRY, max_elapsed_time: '1h' },
    extension: { directory: '/var/lib/otelcol/queue', create_directory: true, timeout: '10s', max_size: maxSize },
  };
}
const OTLP_RECEIVER = { protocols: { grpc: { endpoint: '0.0.0.0:4317', max_recv_msg_size_mib: 32 }, http: { endpoint: '0.0.0.0:4318' } } };

// ---------------------------------------------------------------------------
// logs
// ---------------------------------------------------------------------------

describe('LogsCollector', () => {
  test('GIVEN Loki WHEN synthesized THEN OTLP in, memory_limiter→batch, otlp_http/loki out to the Loki Service, with queue/retry/gzip and no debug', () => {
    const s = backends();
    const logs = new LogsCollector(s.chart, 'logs', { loki: s.loki });
    const objects = synth(s.chart);
    const cfg = collectorConfig(objects, 'otel-logs');
    expect(cfg.receivers).toEqual({ otlp: OTLP_RECEIVER });
    expect(cfg.service.pipelines).toEqual({
      logs: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_http/loki'] },
    });
    expect(cfg.exporters).toEqual({
      'otlp_http/loki': {
        endpoint: 'http://loki.telemetry.svc:3100/otlp',
        tls: { insecure: true },
        compression: 'gzip',
        sending_queue: QUEUE,
        retry_on_failure: RETRY,
      },
    });
    const port = servicePortBehind(objects, cfg.exporters['otlp_http/loki'].endpoint, 'loki');
    expect(port.name).toBe(s.loki.endpoints.otlp.portName);
    expect(new URL(cfg.exporters['otlp_http/loki'].endpoint).pathname).toBe(s.loki.endpoints.otlp.path);
    expect(logs.endpoints.otlpGrpc.hostPort).toBe('otel-logs.telemetry.svc:4317');
    expect(logs.endpoints.otlpHttp.url()).toBe('http://otel-logs.telemetry.svc:4318');
    expectValid(objects);
  });

  test('GIVEN a multi-tenant Loki WHEN synthesized THEN the exporter sends its tenant headers', () => {
    const s = backends(newChart(), 'team-a');
    new LogsCollector(s.chart, 'logs', { loki: s.loki });
    const cfg = collectorConfig(synth(s.chart), 'otel-logs');
    expect(cfg.exporters['otlp_http/loki'].headers).toEqual({ 'X-Scope-OrgID': 'team-a' });
  });

  test('GIVEN debug WHEN synthesized THEN the debug exporter is added to the pipeline', () => {
    const s = backends();
    new LogsCollector(s.chart, 'logs', { loki: s.loki, debug: true });
    const cfg = collectorConfig(synth(s.chart), 'otel-logs');
    expect(cfg.exporters.debug).toEqual({ verbosity: 'basic' });
    expect(cfg.service.pipelines.logs.exporters).toEqual(['otlp_http/loki', 'debug']);
  });

  test('GIVEN defaults WHEN synthesized THEN a Deployment with health probes, self-metrics annotations, no token and no RBAC', () => {
    const s = backends();
    new LogsCollector(s.chart, 'logs', { loki: s.loki, replicas: 2 });
    const objects = synth(s.chart);
    const dep = find(objects, 'Deployment', 'otel-logs');
    expect(dep.spec.replicas).toBe(2);
    const pod = dep.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe('docker.io/otel/opentelemetry-collector-contrib:0.159.0');
    expect(c.args).toEqual(['--config=/etc/otelcol-contrib/config.yaml']);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/', port: 'health' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/', port: 'health' });
    expect(c.ports).toEqual([
      { name: 'health', containerPort: 13133, protocol: 'TCP' },
      { name: 'otlp-grpc', containerPort: 4317, protocol: 'TCP' },
      { name: 'otlp-http', containerPort: 4318, protocol: 'TCP' },
      { name: 'metrics', containerPort: 8888, protocol: 'TCP' },
    ]);
    expect(c.env).toEqual([{ name: 'GOMEMLIMIT', value: '409MiB' }]);
    expect(dep.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8888',
      'prometheus.io/path': '/metrics',
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    // Probe and self-metrics ports stay off the Service.
    expect(find(objects, 'Service', 'otel-logs').spec.ports.map((p: any) => p.name)).toEqual(['otlp-grpc', 'otlp-http']);
    expect(objects.filter((o) => o.kind === 'ClusterRole' && o.metadata.name.includes('otel-logs'))).toEqual([]);
  });

  test('GIVEN mode DaemonSet WHEN synthesized THEN a DaemonSet; replicas with DaemonSet is refused', () => {
    const s = backends();
    new LogsCollector(s.chart, 'logs', { loki: s.loki, mode: 'DaemonSet', name: 'logs-agent' });
    const objects = synth(s.chart);
    expect(find(objects, 'DaemonSet', 'logs-agent').kind).toBe('DaemonSet');
    expectValid(objects);
    expect(() => new LogsCollector(s.chart, 'logs2', { loki: s.loki, mode: 'DaemonSet', name: 'x', replicas: 2 })).toThrow(
      /logsCollector\.replicas: 2 is invalid; allowed: unset in DaemonSet mode/,
    );
  });

  test('GIVEN invalid props WHEN constructing THEN errors name field, value and allowed, before any child is created', () => {
    const s = backends();
    expect(() => new LogsCollector(s.chart, 'bad', { loki: s.loki, name: 'Bad_Name', mode: 'StatefulSet' as any })).toThrow(
      /in LogsCollector props:\n {2}- logsCollector\.name: "Bad_Name" is invalid; allowed: a DNS-1035 label[^\n]*\n {2}- logsCollector\.mode: "StatefulSet" is invalid; allowed: one of "Deployment", "DaemonSet"/,
    );
    expect(() => new LogsCollector(s.chart, 'bad2', { loki: undefined as any })).toThrow(
      /logsCollector\.loki \/ logsCollector\.gateway: "neither given" is invalid; allowed: exactly one of logsCollector\.loki \(a Loki construct\) or logsCollector\.gateway \(a GatewayTarget/,
    );
    expect(() => new LogsCollector(s.chart, 'bad3', { loki: 'loki' as any })).toThrow(/logsCollector\.loki: "loki" is invalid; allowed: a Loki construct/);
    expect(s.chart.node.tryFindChild('bad')).toBeUndefined();
  });

  test('snapshot', () => {
    const s = backends();
    new LogsCollector(s.chart, 'logs', { loki: s.loki });
    const objects = synth(s.chart);
    expectMeaning(objects, 'otel-logs', ['otlp_http/loki']);
    expect(objectsOf(objects, 'otel-logs')).toMatchSnapshot();
  });
});

// ---------------------------------------------------------------------------
// traces
// ---------------------------------------------------------------------------

describe('TracesCollector', () => {
  test('GIVEN Tempo WHEN synthesized THEN otlp_grpc/tempo goes to the Tempo Service OTLP gRPC port in plaintext', () => {
    const s = backends();
    const traces = new TracesCollector(s.chart, 'traces', { tempo: s.tempo });
    const objects = synth(s.chart);
    const cfg = collectorConfig(objects, 'otel-traces');
    expect(cfg.receivers).toEqual({ otlp: OTLP_RECEIVER });
    expect(cfg.processors).toEqual({
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
      batch: { send_batch_size: 8192, send_batch_max_size: 10000, timeout: '5s' },
    });
    expect(cfg.service.pipelines).toEqual({
      traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_grpc/tempo'] },
    });
    expect(cfg.exporters).toEqual({
      'otlp_grpc/tempo': { endpoint: 'tempo.telemetry.svc:4317', tls: { insecure: true }, compression: 'gzip', sending_queue: QUEUE, retry_on_failure: RETRY },
    });
    const port = servicePortBehind(objects, cfg.exporters['otlp_grpc/tempo'].endpoint, 'tempo');
    expect(port.name).toBe(s.tempo.endpoints.otlpGrpc.portName);
    expect(port.appProtocol).toBe('kubernetes.io/h2c');
    expect(cfg.extensions).toEqual({ health_check: { endpoint: '0.0.0.0:13133', path: '/' } });
    expect(cfg.service.extensions).toEqual(['health_check']);
    expect(traces.endpoints.otlpGrpc.service).toBe('otel-traces');
    expectValid(objects);
  });

  test('GIVEN a custom name WHEN synthesized THEN every object uses the stable human name', () => {
    const s = backends();
    new TracesCollector(s.chart, 'traces', { tempo: s.tempo, name: 'spans' });
    const objects = objectsOf(synth(s.chart), 'spans');
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ConfigMap/spans-config', 'Deployment/spans', 'Service/spans', 'ServiceAccount/spans']);
  });

  test('snapshot', () => {
    const s = backends();
    new TracesCollector(s.chart, 'traces', { tempo: s.tempo });
    const objects = synth(s.chart);
    expectMeaning(objects, 'otel-traces', ['otlp_grpc/tempo']);
    expect(objectsOf(objects, 'otel-traces')).toMatchSnapshot();
  });
});

// ---------------------------------------------------------------------------
// metrics
// ---------------------------------------------------------------------------

describe('MetricsCollector', () => {
  test('GIVEN push mode WHEN synthesized THEN remote write goes to the Prometheus Service /api/v1/write with snappy and remote_write_queue', () => {
    const s = backends();
    new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus });
    const objects = synth(s.chart);
    const cfg = collectorConfig(objects, 'otel-metrics');
    expect(Object.keys(cfg.receivers)).toEqual(['otlp', 'prometheus']);
    expect(cfg.service.pipelines).toEqual({
      // The remote-write exporter drops delta sums: they are accumulated first.
      metrics: { receivers: ['otlp', 'prometheus'], processors: ['memory_limiter', 'delta_to_cumulative', 'batch'], exporters: ['prometheus_remote_write/prometheus'] },
    });
    const prw = cfg.exporters['prometheus_remote_write/prometheus'];
    expect(prw).toEqual({
      http: { endpoint: 'http://prometheus.telemetry.svc:9090/api/v1/write', tls: { insecure: true }, compression: 'snappy', timeout: '5s' },
      // The whole retry loop runs inside one push bounded by `timeout`: 15 min of retries plus one request.
      timeout: '905s',
      resource_to_telemetry_conversion: { enabled: false },
      remote_write_queue: { enabled: true, queue_size: 10000, num_consumers: 5 },
      retry_on_failure: { ...RETRY, max_elapsed_time: '15m' },
    });
    const port = servicePortBehind(objects, prw.http.endpoint, 'prometheus');
    expect(port.name).toBe(s.prometheus.endpoints.remoteWrite.portName);
    expect(new URL(prw.http.endpoint).pathname).toBe(s.prometheus.endpoints.remoteWrite.path);
    expectValid(objects);
  });

  test('GIVEN the prometheus receiver WHEN synthesized THEN native histograms via scrape_native_histograms and PrometheusProto, no feature gate', () => {
    const s = backends();
    new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus, scrapeInterval: '15s' });
    const objects = synth(s.chart);
    const cfg = collectorConfig(objects, 'otel-metrics');
    expect(cfg.receivers.prometheus.config.global).toEqual({
      scrape_interval: '15s',
      scrape_protocols: ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText0.0.4'],
      scrape_native_histograms: true,
    });
    const args: string[] = podSpec(objects, 'Deployment', 'otel-metrics').containers[0].args;
    expect(args.some((a) => a.includes('feature-gates'))).toBe(false);
  });

  test('GIVEN Deployment mode WHEN synthesized THEN four cluster-wide pod discovery jobs with exact relabeling ($$ escaped), each scraping its pods once', () => {
    const s = backends();
    new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus });
    const cfg = collectorConfig(synth(s.chart), 'otel-metrics');
    const jobs = cfg.receivers.prometheus.config.scrape_configs;
    expect(jobs.map((j: any) => j.job_name)).toEqual(['kgateway-data-plane', 'kgateway-control-plane', 'otel-collector', 'kubernetes-pods']);
    for (const j of jobs) expect(j.kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
    const common = [
      { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Pending|Succeeded|Failed', action: 'drop' },
      { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__', action: 'replace' },
      {
        source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
        regex: '([^:]+)(?::\\d+)?;(\\d+)',
        replacement: '$$1:$$2',
        target_label: '__address__',
        action: 'replace',
      },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace', action: 'replace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod', action: 'replace' },
    ];
    expect(jobs[0].relabel_configs).toEqual([{ source_labels: ['__meta_kubernetes_pod_label_kgateway'], regex: 'kube-gateway', action: 'keep' }, ...common]);
    expect(jobs[1].relabel_configs).toEqual([{ source_labels: ['__meta_kubernetes_pod_label_kgateway'], regex: 'kgateway', action: 'keep' }, ...common]);
    const collectors = { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], regex: 'opentelemetry-collector' };
    expect(jobs[2].relabel_configs).toEqual([{ ...collectors, action: 'keep' }, ...common]);
    expect(jobs[3].relabel_configs).toEqual([
      { source_labels: ['__meta_kubernetes_pod_label_kgateway'], regex: 'kube-gateway|kgateway', action: 'drop' },
      { ...collectors, action: 'drop' },
      ...common,
    ]);
  });

  test('GIVEN the metrics collector WHEN its job refs are read THEN they name exactly the jobs it renders, and the collectors and kgateway alerts select them', () => {
    const s = backends();
    const m = new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus });
    const jobs = collectorConfig(synth(s.chart), 'otel-metrics').receivers.prometheus.config.scrape_configs.map((j: any) => j.job_name);
    expect(Object.values(m.scrapeJobs).map((r) => r.jobName)).toEqual(jobs);
    expect(collectorAlerts({ job: m.scrapeJobs.collectors })[0].rules[0].expr).toBe('up{job="otel-collector"} == 0');
    expect(gatewayAlerts({ job: m.scrapeJobs.kgatewayDataPlane })[0].rules[0].expr).toBe('up{job="kgateway-data-plane"} == 0');
  });

  test('GIVEN the metrics collector WHEN synthesized THEN its ClusterRole allows exactly get/list/watch on pods, bound to its ServiceAccount with a token', () => {
    const s = backends();
    new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus });
    const objects = synth(s.chart);
    const role = find(objects, 'ClusterRole', 'telemetry-otel-metrics');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const binding = find(objects, 'ClusterRoleBinding', 'telemetry-otel-metrics');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'telemetry-otel-metrics' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'otel-metrics', namespace: 'telemetry' }]);
    expect(podSpec(objects, 'Deployment', 'otel-metrics').automountServiceAccountToken).toBe(true);
    expect(find(objects, 'ServiceAccount', 'otel-metrics').automountServiceAccountToken).toBe(true);
    expect(find(objects, 'Deployment', 'otel-metrics').spec.replicas).toBe(1);
  });

  test('GIVEN DaemonSet mode WHEN synthesized THEN each pod discovers only pods on its node (K8S_NODE_NAME from the downward API)', () => {
    const s = backends();
    new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus, mode: 'DaemonSet' });
    const objects = synth(s.chart);
    const cfg = collectorConfig(objects, 'otel-metrics');
    for (const j of cfg.receivers.prometheus.config.scrape_configs) {
      expect(j.kubernetes_sd_configs).toEqual([{ role: 'pod', selectors: [{ role: 'pod', field: 'spec.nodeName=${env:K8S_NODE_NAME}' }] }]);
    }
    expect(podSpec(objects, 'DaemonSet', 'otel-metrics').containers[0].env).toContainEqual({
      name: 'K8S_NODE_NAME',
      valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
    });
    expectValid(objects);
  });

  test('GIVEN pull mode WHEN synthesized THEN a Prometheus exporter port is on the Service and Prometheus scrapes that Service', () => {
    const s = backends();
    const m = new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus, export: 'pull' });
    const objects = synth(s.chart);
    const cfg = collectorConfig(objects, 'otel-metrics');
    expect(cfg.exporters).toEqual({ prometheus: { endpoint: '0.0.0.0:8889', resource_to_telemetry_conversion: { enabled: false } } });
    expect(cfg.service.pipelines.metrics.exporters).toEqual(['prometheus']);
    const promCfg = parseYaml(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
    const job = promCfg.scrape_configs.find((j: any) => j.job_name === 'otel-metrics');
    expect(job).toEqual({
      job_name: 'otel-metrics',
      honor_labels: true,
      scrape_protocols: ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText0.0.4'],
      scrape_native_histograms: true,
      metrics_path: '/metrics',
      static_configs: [{ targets: ['otel-metrics.telemetry.svc:8889'] }],
    });
    const port = servicePortBehind(objects, job.static_configs[0].targets[0], 'otel-metrics');
    expect(port.name).toBe('prom-export');
    expect(m.endpoints.prometheusExporter!.hostPort).toBe('otel-metrics.telemetry.svc:8889');
    expectValid(objects);
  });

  test('GIVEN pull mode with a DaemonSet WHEN constructing THEN it is refused naming the field', () => {
    const s = backends();
    expect(() => new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus, export: 'pull', mode: 'DaemonSet' })).toThrow(
      /metricsCollector\.export: "pull" is invalid; allowed: "push" in DaemonSet mode/,
    );
  });

  test('GIVEN extra scrape configs WHEN synthesized THEN they follow the built-in jobs; reusing a built-in job name is refused', () => {
    const s = backends();
    new MetricsCollector(s.chart, 'metrics', {
      prometheus: s.prometheus,
      extraScrapeConfigs: [{ job_name: 'node-exporter', static_configs: [{ targets: ['node-exporter.monitoring.svc:9100'] }] }],
    });
    const cfg = collectorConfig(synth(s.chart), 'otel-metrics');
    expect(cfg.receivers.prometheus.config.scrape_configs.map((j: any) => j.job_name)).toEqual([
      'kgateway-data-plane',
      'kgateway-control-plane',
      'otel-collector',
      'kubernetes-pods',
      'node-exporter',
    ]);
    expect(() => new MetricsCollector(s.chart, 'm3', { name: 'm3', prometheus: s.prometheus, extraScrapeConfigs: [{ job_name: 'otel-collector' }] })).toThrow(
      /metricsCollector\.extraScrapeConfigs: .* is invalid; allowed: scrape configs with unique, non-empty job names other than the built-in "kgateway-data-plane", "kgateway-control-plane", "otel-collector", "kubernetes-pods"/,
    );
    expect(() => new MetricsCollector(s.chart, 'm2', { name: 'm2', prometheus: s.prometheus, extraScrapeConfigs: [{ job_name: 'kubernetes-pods' }] })).toThrow(
      /metricsCollector\.extraScrapeConfigs: .* is invalid; allowed: scrape configs with unique, non-empty job names other than the built-in/,
    );
  });

  test('snapshot', () => {
    const s = backends();
    new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus });
    const objects = synth(s.chart);
    expectMeaning(objects, 'otel-metrics', ['prometheus_remote_write/prometheus']);
    expect(objectsOf(objects, 'otel-metrics')).toMatchSnapshot();
  });
});

// ---------------------------------------------------------------------------
// node agent
// ---------------------------------------------------------------------------

function inClusterAgent(extra: Partial<ConstructorParameters<typeof NodeAgent>[2]> = {}) {
  const s = backends();
  const metrics = new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus });
  const logs = new LogsCollector(s.chart, 'logs', { loki: s.loki });
  const traces = new TracesCollector(s.chart, 'traces', { tempo: s.tempo });
  const agent = new NodeAgent(s.chart, 'agent', { clusterName: 'prod-eu-1', forwardTo: { collectors: { metrics, logs, traces } }, ...extra });
  return { ...s, agent, objects: synth(s.chart) };
}

const GATEWAY_TARGET = {
  host: 'otel.mgmt.example.com',
  ca: { name: 'gateway-ca', key: 'ca.crt' },
  auth: { bearerToken: { name: 'gateway-token', key: 'token' } },
};

describe('NodeAgent', () => {
  test('GIVEN in-cluster collectors WHEN synthesized THEN a DaemonSet behind a Service with internalTrafficPolicy Local', () => {
    const { objects, agent } = inClusterAgent();
    const svc = find(objects, 'Service', 'otel-agent');
    expect(svc.spec.internalTrafficPolicy).toBe('Local');
    expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['otlp-grpc', 4317],
      ['otlp-http', 4318],
    ]);
    expect(find(objects, 'DaemonSet', 'otel-agent').kind).toBe('DaemonSet');
    expect(agent.endpoints.otlpGrpc.hostPort).toBe('otel-agent.telemetry.svc:4317');
    expectValid(objects);
  });

  test('GIVEN the agent WHEN synthesized THEN k8s_attributes is node-limited, the cluster name is upserted and metrics are allowlisted, in order', () => {
    const { objects } = inClusterAgent();
    const cfg = collectorConfig(objects, 'otel-agent');
    expect(cfg.processors.k8s_attributes.filter).toEqual({ node_from_env_var: 'K8S_NODE_NAME' });
    expect(podSpec(objects, 'DaemonSet', 'otel-agent').containers[0].env).toContainEqual({
      name: 'K8S_NODE_NAME',
      valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
    });
    expect(cfg.processors.resource).toEqual({ attributes: [{ key: 'k8s.cluster.name', value: 'prod-eu-1', action: 'upsert' }] });
    expect(cfg.processors['filter/allowlist']).toEqual({
      error_mode: 'ignore',
      metric_conditions: [`not (${MINIMUM_METRIC_SET.map((n) => `metric.name == "${n}"`).join(' or ')})`],
    });
    // service.instance.id from k8s_attributes (namespace.pod.container), else the pod uid; deltas accumulated on the node.
    expect(cfg.service.pipelines.traces.processors).toEqual(['memory_limiter', 'k8s_attributes', 'resource/instance', 'resource', 'batch']);
    expect(cfg.service.pipelines.logs.processors).toEqual(['memory_limiter', 'k8s_attributes', 'resource/instance', 'resource', 'batch']);
    expect(cfg.service.pipelines.metrics.processors).toEqual(['memory_limiter', 'filter/allowlist', 'k8s_attributes', 'resource/instance', 'resource', 'delta_to_cumulative', 'batch']);
    expect(cfg.processors['k8s_attributes'].extract.metadata).toContain('service.instance.id');
    expect(cfg.processors['resource/instance']).toEqual({ attributes: [{ key: 'service.instance.id', from_attribute: 'k8s.pod.uid', action: 'insert' }] });
    expect(cfg.processors['delta_to_cumulative']).toEqual({ max_stale: '5m' });
    // Forwarding to the collectors: the metrics collector scrapes, so the agent does not.
    expect(cfg.receivers).toEqual({ otlp: OTLP_RECEIVER });
  });

  test('GIVEN in-cluster collectors WHEN synthesized THEN each signal goes to the Service of the collector it was wired to', () => {
    const { objects } = inClusterAgent();
    const cfg = collectorConfig(objects, 'otel-agent');
    const wiring = { traces: 'otel-traces', metrics: 'otel-metrics', logs: 'otel-logs' } as const;
    for (const [signal, collector] of Object.entries(wiring)) {
      const [exporterId] = cfg.service.pipelines[signal].exporters;
      const exp = cfg.exporters[exporterId];
      expect(exp.tls).toEqual({ insecure: true });
      expect(exp.compression).toBe('gzip');
      expect(exp.sending_queue).toEqual(QUEUE);
      expect(exp.retry_on_failure).toEqual(RETRY);
      expect(servicePortBehind(objects, exp.endpoint, collector).name).toBe('otlp-grpc');
    }
  });

  test('GIVEN the agent WHEN synthesized THEN its ClusterRole allows exactly get/list/watch on pods and namespaces', () => {
    const { objects } = inClusterAgent();
    expect(find(objects, 'ClusterRole', 'telemetry-otel-agent').rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(find(objects, 'ClusterRoleBinding', 'telemetry-otel-agent').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'otel-agent', namespace: 'telemetry' },
    ]);
    expect(podSpec(objects, 'DaemonSet', 'otel-agent').automountServiceAccountToken).toBe(true);
  });

  test('GIVEN an overridden allowlist WHEN synthesized THEN only those names are kept', () => {
    const { objects } = inClusterAgent({ metricAllowlist: ['up', 'http.server.request.duration'] });
    expect(collectorConfig(objects, 'otel-agent').processors['filter/allowlist'].metric_conditions).toEqual([
      'not (metric.name == "up" or metric.name == "http.server.request.duration")',
    ]);
  });

  test('GIVEN a gateway target WHEN synthesized THEN one TLS exporter with the CA and bearer token read from mounted Secrets, and node-local scraping', () => {
    const chart = newChart('edge');
    new NodeAgent(chart, 'agent', { clusterName: 'edge-1', forwardTo: { gateway: GATEWAY_TARGET } });
    const objects = synth(chart);
    const cfg = collectorConfig(objects, 'otel-agent');
    // Three queue files (traces, metrics, logs) share the 2Gi emptyDir.
    const d = durable(2, 3);
    expect(cfg.exporters).toEqual({
      'otlp_grpc/gateway': {
        endpoint: '${env:OTLP_GATEWAY_ENDPOINT}',
        tls: { ca_file: '/etc/otelcol-secrets/gateway-ca/ca.crt', server_name_override: 'otel.mgmt.example.com' },
        auth: { authenticator: 'bearertokenauth/gateway' },
        compression: 'gzip',
        sending_queue: d.queue,
        retry_on_failure: d.retry,
      },
    });
    expect(cfg.extensions['bearertokenauth/gateway']).toEqual({ scheme: 'Bearer', filename: '/etc/otelcol-secrets/gateway-token/token' });
    expect(cfg.extensions['file_storage/queue']).toEqual(d.extension);
    expect(cfg.service.extensions).toEqual(['health_check', 'bearertokenauth/gateway', 'file_storage/queue']);
    for (const s of ['traces', 'metrics', 'logs']) expect(cfg.service.pipelines[s].exporters).toEqual(['otlp_grpc/gateway']);
    const pod = podSpec(objects, 'DaemonSet', 'otel-agent');
    expect(pod.containers[0].env).toEqual([
      { name: 'GOMEMLIMIT', value: '204MiB' },
      { name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'OTLP_GATEWAY_ENDPOINT', value: 'otel.mgmt.example.com:4317' },
    ]);
    expect(pod.volumes).toEqual(
      expect.arrayContaining([
        { name: 'gateway-ca', secret: { secretName: 'gateway-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } },
        { name: 'gateway-token', secret: { secretName: 'gateway-token', items: [{ key: 'token', path: 'token' }], defaultMode: 0o440 } },
      ]),
    );
    expect(pod.containers[0].volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'gateway-ca', mountPath: '/etc/otelcol-secrets/gateway-ca', readOnly: true },
        { name: 'gateway-token', mountPath: '/etc/otelcol-secrets/gateway-token', readOnly: true },
      ]),
    );
    // With a gateway nobody else scrapes this cluster: the agent scrapes its own node.
    expect(cfg.service.pipelines.metrics.receivers).toEqual(['otlp', 'prometheus']);
    for (const j of cfg.receivers.prometheus.config.scrape_configs) {
      expect(j.kubernetes_sd_configs).toEqual([{ role: 'pod', selectors: [{ role: 'pod', field: 'spec.nodeName=${env:K8S_NODE_NAME}' }] }]);
    }
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expectValid(objects);
  });

  test('GIVEN a gateway on another port with a server name WHEN synthesized THEN the env holds host:port and TLS checks the server name', () => {
    const chart = newChart('edge');
    new NodeAgent(chart, 'agent', {
      clusterName: 'edge-1',
      forwardTo: { gateway: { ...GATEWAY_TARGET, port: 443, serverName: 'otel.mgmt' } },
    });
    const objects = synth(chart);
    const cfg = collectorConfig(objects, 'otel-agent');
    expect(cfg.extensions['bearertokenauth/gateway']).toEqual({ scheme: 'Bearer', filename: '/etc/otelcol-secrets/gateway-token/token' });
    expect(cfg.exporters['otlp_grpc/gateway'].endpoint).toBe('${env:OTLP_GATEWAY_ENDPOINT}');
    expect(envValue(objects, 'DaemonSet', 'otel-agent', GATEWAY_ENDPOINT_ENV)).toBe('otel.mgmt.example.com:443');
    expect(cfg.exporters['otlp_grpc/gateway'].tls.server_name_override).toBe('otel.mgmt');
  });

  test('GIVEN invalid agent props WHEN constructing THEN every bad field is named', () => {
    const chart = newChart();
    expect(
      () =>
        new NodeAgent(chart, 'agent', {
          clusterName: 'Prod EU',
          metricAllowlist: ['up', 'bad"name'],
          forwardTo: { gateway: { host: 'gw', ca: { name: 'ca', key: 'ca.crt' }, auth: {} as any } },
        }),
    ).toThrow(/nodeAgent\.clusterName: "Prod EU" is invalid[\s\S]*nodeAgent\.metricAllowlist\[1\]: "bad\\"name" is invalid[\s\S]*nodeAgent\.forwardTo\.gateway\.auth: \{\} is invalid; allowed: \{ bearerToken: SecretKeyRef \}/);
    expect(() => new NodeAgent(chart, 'agent2', { clusterName: 'a', forwardTo: {} as any })).toThrow(/nodeAgent\.forwardTo: \{\} is invalid; allowed: exactly one of/);
  });

  test('snapshot', () => {
    const { objects } = inClusterAgent();
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
    expect(find(objects, 'Service', 'otel-agent').spec.internalTrafficPolicy).toBe('Local');
    expect(objectsOf(objects, 'otel-agent')).toMatchSnapshot();
  });
});

// ---------------------------------------------------------------------------
// telemetry gateway
// ---------------------------------------------------------------------------

function gateway(extra: Partial<ConstructorParameters<typeof TelemetryGateway>[2]> = {}) {
  const s = backends(newChart('observability'), 'mgmt');
  const gw = new TelemetryGateway(s.chart, 'gateway', {
    loki: s.loki,
    tempo: s.tempo,
    prometheus: s.prometheus,
    tls: { secretName: 'otel-gateway-tls' },
    auth: { bearerTokens: { name: 'otel-gateway-tokens', key: 'tokens' } },
    ...extra,
  });
  return { ...s, gw, objects: synth(s.chart) };
}

describe('TelemetryGateway', () => {
  test('GIVEN the gateway WHEN synthesized THEN OTLP over TLS with bearer-token auth, certificate and tokens read from mounted Secrets', () => {
    const { objects } = gateway();
    const cfg = collectorConfig(objects, 'otel-gateway');
    const tls = { cert_file: '/etc/otelcol-secrets/tls/tls.crt', key_file: '/etc/otelcol-secrets/tls/tls.key', reload_interval: '1h' };
    expect(cfg.receivers.otlp).toEqual({
      protocols: {
        grpc: {
          endpoint: '0.0.0.0:4317',
          max_recv_msg_size_mib: 32,
          // Clients behind a load balancer reconnect every minute and so spread over the replicas.
          keepalive: { server_parameters: { max_connection_age: '1m', max_connection_age_grace: '30s' } },
          tls,
          auth: { authenticator: 'bearertokenauth/server' },
        },
        http: { endpoint: '0.0.0.0:4318', tls, auth: { authenticator: 'bearertokenauth/server' } },
      },
    });
    expect(cfg.extensions['bearertokenauth/server']).toEqual({ scheme: 'Bearer', filename: '/etc/otelcol-secrets/auth/tokens' });
    expect(cfg.service.extensions).toEqual(['health_check', 'bearertokenauth/server', 'file_storage/queue']);
    const pod = podSpec(objects, 'Deployment', 'otel-gateway');
    expect(pod.volumes.filter((v: any) => v.secret)).toEqual([
      { name: 'tls', secret: { secretName: 'otel-gateway-tls', items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }], defaultMode: 0o440 } },
      { name: 'auth', secret: { secretName: 'otel-gateway-tokens', items: [{ key: 'tokens', path: 'tokens' }], defaultMode: 0o440 } },
    ]);
    // Secrets are only referenced: no Secret objects, no literal values in env or config.
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(pod.containers[0].env).toEqual([{ name: 'GOMEMLIMIT', value: '819MiB' }]);
    expect(JSON.stringify(cfg)).not.toMatch(/"token":/);
    expect(pod.automountServiceAccountToken).toBe(false);
    expectValid(objects);
  });

  test('GIVEN the gateway WHEN synthesized THEN it fans out to the Loki, Tempo and Prometheus Services it was wired to', () => {
    const { objects, ...s } = gateway();
    const cfg = collectorConfig(objects, 'otel-gateway');
    expect(cfg.service.pipelines).toEqual({
      traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_grpc/tempo'] },
      metrics: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_http/prometheus'] },
      logs: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_http/loki'] },
    });
    expect(servicePortBehind(objects, cfg.exporters['otlp_grpc/tempo'].endpoint, 'tempo').name).toBe('otlp-grpc');
    expect(servicePortBehind(objects, cfg.exporters['otlp_http/loki'].endpoint, 'loki').name).toBe('http');
    expect(cfg.exporters['otlp_http/loki'].headers).toEqual({ 'X-Scope-OrgID': 'mgmt' });
    // Metrics go to Prometheus' OTLP receiver (the exporter appends /v1/metrics to the base path).
    const prom = cfg.exporters['otlp_http/prometheus'];
    // Three exporters, one queue file each, share the 8Gi emptyDir.
    const d = durable(8, 3);
    expect(prom).toEqual({ endpoint: 'http://prometheus.observability.svc:9090/api/v1/otlp', tls: { insecure: true }, compression: 'gzip', sending_queue: d.queue, retry_on_failure: d.retry });
    for (const id of ['otlp_grpc/tempo', 'otlp_http/loki']) expect(cfg.exporters[id]).toMatchObject({ sending_queue: d.queue, retry_on_failure: d.retry });
    expect(cfg.extensions['file_storage/queue']).toEqual(d.extension);
    expect(servicePortBehind(objects, prom.endpoint, 'prometheus').name).toBe('http');
    expect(new URL(prom.endpoint).pathname).toBe(s.prometheus.endpoints.otlp.path);
    expect(find(objects, 'StatefulSet', 'prometheus').spec.template.spec.containers[0].args).toContain('--web.enable-otlp-receiver');
  });

  test('GIVEN defaults WHEN synthesized THEN a 2-replica Deployment behind a LoadBalancer exposing only the OTLP ports', () => {
    const { objects, gw } = gateway({ serviceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' } });
    const svc = find(objects, 'Service', 'otel-gateway');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.metadata.annotations).toEqual({ 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
    expect(svc.spec.ports.map((p: any) => p.name)).toEqual(['otlp-grpc', 'otlp-http']);
    expect(find(objects, 'Deployment', 'otel-gateway').spec.replicas).toBe(2);
    expect(gw.endpoints.otlpGrpc.tls).toBe(true);
    expect(gw.endpoints.otlpGrpc.hostPort).toBe('otel-gateway.observability.svc:4317');
  });

  test('GIVEN an external host WHEN asking for the remote endpoint THEN agents dial it over TLS on the gateway port', () => {
    const { gw } = gateway();
    const e = gw.remoteEndpoint('otel.mgmt.example.com');
    expect(e.hostPort).toBe('otel.mgmt.example.com:4317');
    expect(e.tls).toBe(true);
    expect(() => gw.remoteEndpoint('not a host')).toThrow(/in TelemetryGateway\.remoteEndpoint:\n {2}- externalHost: "not a host" is invalid/);
    // A remote cluster's agent wired from the gateway construct dials exactly that address.
    const edge = newChart('edge');
    const target = gw.remoteTarget('otel.mgmt.example.com', { ca: { name: 'ca', key: 'ca.crt' }, auth: { bearerToken: { name: 't', key: 'token' } } });
    new NodeAgent(edge, 'agent', { clusterName: 'edge-1', forwardTo: { gateway: target } });
    const edgeObjects = synth(edge);
    expect(collectorConfig(edgeObjects, 'otel-agent').exporters['otlp_grpc/gateway'].endpoint).toBe('${env:OTLP_GATEWAY_ENDPOINT}');
    expect(envValue(edgeObjects, 'DaemonSet', 'otel-agent', GATEWAY_ENDPOINT_ENV)).toBe(e.hostPort);
  });

  test('GIVEN a client CA WHEN synthesized THEN mTLS uses client_ca_file beside the bearer tokens', () => {
    const { objects } = gateway({ tls: { secretName: 'gw-tls', clientCa: { name: 'agents-ca', key: 'ca.crt' } } });
    const cfg = collectorConfig(objects, 'otel-gateway');
    expect(cfg.receivers.otlp.protocols.grpc.auth).toEqual({ authenticator: 'bearertokenauth/server' });
    expect(cfg.receivers.otlp.protocols.grpc.tls.client_ca_file).toBe('/etc/otelcol-secrets/client-ca/ca.crt');
    expect(podSpec(objects, 'Deployment', 'otel-gateway').volumes.map((v: any) => v.name)).toEqual(['config', 'queue', 'tls', 'client-ca', 'auth']);
    expectValid(objects);
  });

  test('GIVEN missing TLS or auth WHEN constructing THEN the error names the fields', () => {
    const s = backends();
    expect(
      () =>
        new TelemetryGateway(s.chart, 'gw', {
          loki: s.loki,
          tempo: s.tempo,
          prometheus: s.prometheus,
          tls: { secretName: '' },
          auth: { htpasswd: { name: 'a', key: 'b' } } as any,
          serviceType: 'ExternalName' as any,
        }),
    ).toThrow(
      /telemetryGateway\.serviceType: "ExternalName" is invalid[\s\S]*telemetryGateway\.tls\.secretName: "" is invalid[\s\S]*telemetryGateway\.auth: .* is invalid; allowed: \{ bearerTokens: SecretKeyRef \}/,
    );
  });

  test('snapshot', () => {
    const { objects } = gateway();
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
    expect(Object.keys(collectorConfig(objects, 'otel-gateway').service.pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    expect(objectsOf(objects, 'otel-gateway')).toMatchSnapshot();
  });
});

// ---------------------------------------------------------------------------
// multi-cluster: cluster name on every signal, signal collectors exporting to a gateway
// ---------------------------------------------------------------------------

const EDGE_GATEWAY: GatewayTarget = {
  host: 'otel.mgmt.example.com',
  ca: { name: 'mgmt-gateway-ca', key: 'ca.crt' },
  auth: { bearerToken: { name: 'mgmt-gateway-token', key: 'token' } },
};

/** The three signal collectors, each built with its backend or with `gateway`. */
const SIGNAL_COLLECTORS = [
  {
    kind: 'logs',
    name: 'otel-logs',
    field: 'logsCollector',
    backendField: 'loki',
    signal: 'logs',
    backendExporter: 'otlp_http/loki',
    make: (scope: Chart, id: string, props: Record<string, unknown>) => new LogsCollector(scope, id, props as any),
    backend: (s: Stack) => ({ loki: s.loki }),
  },
  {
    kind: 'traces',
    name: 'otel-traces',
    field: 'tracesCollector',
    backendField: 'tempo',
    signal: 'traces',
    backendExporter: 'otlp_grpc/tempo',
    make: (scope: Chart, id: string, props: Record<string, unknown>) => new TracesCollector(scope, id, props as any),
    backend: (s: Stack) => ({ tempo: s.tempo }),
  },
  {
    kind: 'metrics',
    name: 'otel-metrics',
    field: 'metricsCollector',
    backendField: 'prometheus',
    signal: 'metrics',
    backendExporter: 'prometheus_remote_write/prometheus',
    make: (scope: Chart, id: string, props: Record<string, unknown>) => new MetricsCollector(scope, id, props as any),
    backend: (s: Stack) => ({ prometheus: s.prometheus }),
  },
] as const;

const CLUSTER_PROCESSOR = { attributes: [{ key: 'k8s.cluster.name', value: 'prod-eu-1', action: 'upsert' }] };

describe.each(SIGNAL_COLLECTORS)('$kind collector in a multi-cluster layout', (c) => {
  test('GIVEN clusterName WHEN synthesized THEN a resource processor upserts k8s.cluster.name between memory_limiter and batch', () => {
    const s = backends();
    c.make(s.chart, 'c', { ...c.backend(s), clusterName: 'prod-eu-1' });
    const objects = synth(s.chart);
    const cfg = collectorConfig(objects, c.name);
    expect(cfg.processors.resource).toEqual(CLUSTER_PROCESSOR);
    // Remote write (the metrics collector's backend) takes no delta temporality: it is accumulated first.
    expect(cfg.service.pipelines[c.signal].processors).toEqual(['memory_limiter', 'resource', ...(c.signal === 'metrics' ? ['delta_to_cumulative'] : []), 'batch']);
    expectValid(objects);
  });

  test('GIVEN no clusterName WHEN synthesized THEN nothing stamps k8s.cluster.name', () => {
    const s = backends();
    c.make(s.chart, 'c', c.backend(s));
    const cfg = collectorConfig(synth(s.chart), c.name);
    const toCumulative = c.signal === 'metrics' ? ['delta_to_cumulative'] : [];
    expect(Object.keys(cfg.processors)).toEqual(['memory_limiter', 'batch', ...toCumulative]);
    expect(cfg.service.pipelines[c.signal].processors).toEqual(['memory_limiter', ...toCumulative, 'batch']);
    expect(JSON.stringify(cfg)).not.toContain('k8s.cluster.name');
    expect(JSON.stringify(cfg)).not.toContain('k8s_cluster_name');
  });

  test('GIVEN an invalid clusterName WHEN constructing THEN the error names the field', () => {
    const s = backends();
    expect(() => c.make(s.chart, 'c', { ...c.backend(s), clusterName: 'Prod EU' })).toThrow(
      new RegExp(`${c.field}\\.clusterName: "Prod EU" is invalid; allowed: a cluster name \\(a DNS-1123 subdomain`),
    );
    expect(() => c.make(s.chart, 'c2', { ...c.backend(s), clusterName: '' })).toThrow(new RegExp(`${c.field}\\.clusterName: "" is invalid`));
  });

  test('GIVEN a gateway WHEN synthesized THEN it exports only to otlp_grpc/gateway over TLS, endpoint from OTLP_GATEWAY_ENDPOINT, CA and token from mounted Secrets', () => {
    const chart = newChart('edge');
    c.make(chart, 'c', { gateway: EDGE_GATEWAY, clusterName: 'prod-eu-1' });
    const objects = synth(chart);
    const cfg = collectorConfig(objects, c.name);
    // One queue file on the 2Gi emptyDir: the durable hop.
    const d = durable(2, 1);
    expect(cfg.exporters).toEqual({
      'otlp_grpc/gateway': {
        endpoint: '${env:OTLP_GATEWAY_ENDPOINT}',
        tls: { ca_file: '/etc/otelcol-secrets/gateway-ca/ca.crt', server_name_override: 'otel.mgmt.example.com' },
        auth: { authenticator: 'bearertokenauth/gateway' },
        compression: 'gzip',
        sending_queue: d.queue,
        retry_on_failure: d.retry,
      },
    });
    expect(cfg.service.pipelines[c.signal]).toMatchObject({ processors: ['memory_limiter', 'resource', 'batch'], exporters: ['otlp_grpc/gateway'] });
    expect(Object.keys(cfg.service.pipelines)).toEqual([c.signal]);
    expect(cfg.processors.resource).toEqual(CLUSTER_PROCESSOR);
    expect(cfg.extensions['bearertokenauth/gateway']).toEqual({ scheme: 'Bearer', filename: '/etc/otelcol-secrets/gateway-token/token' });
    expect(cfg.extensions['file_storage/queue']).toEqual(d.extension);
    expect(cfg.service.extensions).toEqual(['health_check', 'bearertokenauth/gateway', 'file_storage/queue']);

    const kind = 'Deployment';
    expect(envValue(objects, kind, c.name, GATEWAY_ENDPOINT_ENV)).toBe('otel.mgmt.example.com:4317');
    const pod = podSpec(objects, kind, c.name);
    expect(pod.volumes.filter((v: any) => v.secret)).toEqual([
      { name: 'gateway-ca', secret: { secretName: 'mgmt-gateway-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } },
      { name: 'gateway-token', secret: { secretName: 'mgmt-gateway-token', items: [{ key: 'token', path: 'token' }], defaultMode: 0o440 } },
    ]);
    expect(pod.containers[0].volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'gateway-ca', mountPath: '/etc/otelcol-secrets/gateway-ca', readOnly: true },
        { name: 'gateway-token', mountPath: '/etc/otelcol-secrets/gateway-token', readOnly: true },
      ]),
    );
    // The files the config reads are exactly where the Secrets are mounted.
    const mounts = pod.containers[0].volumeMounts.map((m: any) => m.mountPath);
    for (const file of [cfg.exporters['otlp_grpc/gateway'].tls.ca_file, cfg.extensions['bearertokenauth/gateway'].filename]) {
      expect(mounts).toContain(file.slice(0, file.lastIndexOf('/')));
    }
    // Secrets are only referenced, and the gateway host never appears in the config itself.
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(find(objects, 'ConfigMap', `${c.name}-config`).data['config.yaml']).not.toContain('otel.mgmt.example.com:4317');
    expectValid(objects);
  });

  test('GIVEN a gateway with a port and a server name WHEN synthesized THEN the bearer token is read from its mounted file and TLS checks the server name', () => {
    const chart = newChart('edge');
    c.make(chart, 'c', { gateway: { ...EDGE_GATEWAY, port: 443, serverName: 'otel.mgmt' } });
    const objects = synth(chart);
    const cfg = collectorConfig(objects, c.name);
    expect(cfg.exporters['otlp_grpc/gateway'].auth).toEqual({ authenticator: 'bearertokenauth/gateway' });
    expect(cfg.exporters['otlp_grpc/gateway'].tls).toEqual({ ca_file: '/etc/otelcol-secrets/gateway-ca/ca.crt', server_name_override: 'otel.mgmt' });
    expect(envValue(objects, 'Deployment', c.name, GATEWAY_ENDPOINT_ENV)).toBe('otel.mgmt.example.com:443');
    expect(podSpec(objects, 'Deployment', c.name).volumes.map((v: any) => v.name)).toEqual(['config', 'queue', 'gateway-ca', 'gateway-token']);
    expectValid(objects);
  });

  test('GIVEN a backend WHEN synthesized THEN there is no gateway exporter, no gateway env and no Secret volume', () => {
    const s = backends();
    c.make(s.chart, 'c', c.backend(s));
    const objects = synth(s.chart);
    const cfg = collectorConfig(objects, c.name);
    expect(Object.keys(cfg.exporters)).toEqual([c.backendExporter]);
    expect(envValue(objects, 'Deployment', c.name, GATEWAY_ENDPOINT_ENV)).toBeUndefined();
    expect(podSpec(objects, 'Deployment', c.name).volumes.filter((v: any) => v.secret)).toEqual([]);
  });

  test('GIVEN both or neither of the backend and a gateway WHEN constructing THEN the error names both fields and what is allowed', () => {
    const s = backends();
    const both = new RegExp(
      `${c.field}\\.${c.backendField} / ${c.field}\\.gateway: "both given" is invalid; allowed: exactly one of ${c.field}\\.${c.backendField} \\(a \\w+ construct\\) or ${c.field}\\.gateway \\(a GatewayTarget \\{ host, port\\?, ca, serverName\\?, auth \\}\\)`,
    );
    expect(() => c.make(s.chart, 'both', { ...c.backend(s), gateway: EDGE_GATEWAY })).toThrow(both);
    expect(() => c.make(s.chart, 'neither', {})).toThrow(new RegExp(`${c.field}\\.${c.backendField} / ${c.field}\\.gateway: "neither given" is invalid`));
    expect(s.chart.node.tryFindChild('both')).toBeUndefined();
  });

  test('GIVEN an invalid gateway target WHEN constructing THEN every bad nested field is named', () => {
    const chart = newChart('edge');
    expect(() =>
      c.make(chart, 'c', { gateway: { host: 'Not A Host', port: 70000, ca: { name: '', key: 'ca.crt' }, auth: { bearerToken: { name: 't', key: 'bad key' } } } }),
    ).toThrow(
      new RegExp(
        `${c.field}\\.gateway\\.ca\\.name: the value \\(not shown: it may be a credential\\) is invalid[\\s\\S]*${c.field}\\.gateway\\.auth\\.bearerToken\\.key: the value \\(not shown[\\s\\S]*${c.field}\\.gateway\\.host: "Not A Host" is invalid[\\s\\S]*${c.field}\\.gateway\\.port: 70000 is invalid`,
      ),
    );
    expect(() => c.make(chart, 'c2', { gateway: { ...EDGE_GATEWAY, auth: {} } })).toThrow(new RegExp(`${c.field}\\.gateway\\.auth: \\{\\} is invalid; allowed: \\{ bearerToken: SecretKeyRef \\}`));
  });
});

describe('MetricsCollector in a multi-cluster layout', () => {
  test('GIVEN a gateway WHEN synthesized THEN the scrape jobs, pod RBAC and OTLP receiver stay, and nothing registers with a Prometheus', () => {
    const chart = newChart('edge');
    const m = new MetricsCollector(chart, 'metrics', { gateway: EDGE_GATEWAY, clusterName: 'edge-1' });
    const objects = synth(chart);
    const cfg = collectorConfig(objects, 'otel-metrics');
    expect(cfg.service.pipelines.metrics.receivers).toEqual(['otlp', 'prometheus']);
    expect(cfg.receivers.prometheus.config.scrape_configs.map((j: any) => j.job_name)).toEqual(['kgateway-data-plane', 'kgateway-control-plane', 'otel-collector', 'kubernetes-pods']);
    expect(find(objects, 'ClusterRole', 'edge-otel-metrics').rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    expect(m.exportMode).toBe('push');
    expect(m.scrapeJob).toBeUndefined();
    expect(m.endpoints.prometheusExporter).toBeUndefined();
    expectValid(objects);
  });

  test('GIVEN a gateway in DaemonSet mode WHEN synthesized THEN the pod has both the node name and the gateway endpoint env', () => {
    const chart = newChart('edge');
    new MetricsCollector(chart, 'metrics', { gateway: EDGE_GATEWAY, mode: 'DaemonSet' });
    const objects = synth(chart);
    expect(podSpec(objects, 'DaemonSet', 'otel-metrics').containers[0].env).toEqual([
      { name: 'GOMEMLIMIT', value: '819MiB' },
      { name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'OTLP_GATEWAY_ENDPOINT', value: 'otel.mgmt.example.com:4317' },
    ]);
    expectValid(objects);
  });

  test('GIVEN pull mode with a gateway WHEN constructing THEN it is refused naming the field; push is accepted', () => {
    const chart = newChart('edge');
    expect(() => new MetricsCollector(chart, 'metrics', { gateway: EDGE_GATEWAY, export: 'pull' })).toThrow(
      /metricsCollector\.export: "pull" is invalid; allowed: "push" or unset with metricsCollector\.gateway/,
    );
    expect(() => new MetricsCollector(chart, 'm2', { name: 'm2', gateway: EDGE_GATEWAY, export: 'push' })).not.toThrow();
  });

  test('GIVEN clusterName in push mode WHEN synthesized THEN remote write labels every series k8s_cluster_name (not by copying all resource attributes)', () => {
    const s = backends();
    new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus, clusterName: 'mgmt' });
    const cfg = collectorConfig(synth(s.chart), 'otel-metrics');
    const prw = cfg.exporters['prometheus_remote_write/prometheus'];
    expect(prw.external_labels).toEqual({ k8s_cluster_name: 'mgmt' });
    expect(prw.resource_to_telemetry_conversion).toEqual({ enabled: false });
    expect(cfg.processors.resource).toEqual({ attributes: [{ key: 'k8s.cluster.name', value: 'mgmt', action: 'upsert' }] });
  });

  test('GIVEN clusterName in pull mode WHEN synthesized THEN the prometheus exporter adds k8s_cluster_name as a const label and Prometheus keeps it (honor_labels)', () => {
    const s = backends();
    new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus, export: 'pull', clusterName: 'mgmt' });
    const objects = synth(s.chart);
    const cfg = collectorConfig(objects, 'otel-metrics');
    expect(cfg.exporters.prometheus).toEqual({
      endpoint: '0.0.0.0:8889',
      const_labels: { k8s_cluster_name: 'mgmt' },
      resource_to_telemetry_conversion: { enabled: false },
    });
    const promCfg = parseYaml(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
    expect(promCfg.scrape_configs.find((j: any) => j.job_name === 'otel-metrics').honor_labels).toBe(true);
  });

  test('GIVEN no clusterName in push mode WHEN synthesized THEN no external label is added', () => {
    const s = backends();
    new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus });
    expect(collectorConfig(synth(s.chart), 'otel-metrics').exporters['prometheus_remote_write/prometheus']).not.toHaveProperty('external_labels');
  });

  test('snapshot with a gateway and a cluster name', () => {
    const chart = newChart('edge');
    new MetricsCollector(chart, 'metrics', { gateway: EDGE_GATEWAY, clusterName: 'edge-1' });
    const objects = synth(chart);
    expectMeaning(objects, 'otel-metrics', ['otlp_grpc/gateway']);
    expect(objectsOf(objects, 'otel-metrics')).toMatchSnapshot();
  });
});

describe('k8s.cluster.name end to end (workload cluster → gateway → Prometheus)', () => {
  test('GIVEN workload collectors wired from the gateway construct WHEN synthesized THEN the name is stamped in the workload cluster, kept by the gateway and promoted to a label by Prometheus', () => {
    const mgmt = gateway();
    const gwCfg = collectorConfig(mgmt.objects, 'otel-gateway');
    // The gateway does not touch resource attributes on the metrics path…
    expect(gwCfg.service.pipelines.metrics.processors).toEqual(['memory_limiter', 'batch']);
    expect(gwCfg.processors).not.toHaveProperty('resource');
    // …and hands metrics to Prometheus' OTLP receiver…
    expect(gwCfg.service.pipelines.metrics.exporters).toEqual(['otlp_http/prometheus']);
    expect(new URL(gwCfg.exporters['otlp_http/prometheus'].endpoint).pathname).toBe('/api/v1/otlp');
    // …which promotes k8s.cluster.name (→ k8s_cluster_name under the default translation strategy).
    const promCfg = parseYaml(find(mgmt.objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
    expect(promCfg.otlp.promote_resource_attributes).toContain('k8s.cluster.name');
    expect(promCfg.otlp.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');

    const edge = newChart('edge');
    const target = mgmt.gw.remoteTarget('otel.mgmt.example.com', { ca: { name: 'ca', key: 'ca.crt' }, auth: { bearerToken: { name: 't', key: 'token' } } });
    new MetricsCollector(edge, 'metrics', { gateway: target, clusterName: 'edge-1' });
    new LogsCollector(edge, 'logs', { gateway: target, clusterName: 'edge-1' });
    new TracesCollector(edge, 'traces', { gateway: target, clusterName: 'edge-1' });
    const edgeObjects = synth(edge);
    for (const name of ['otel-metrics', 'otel-logs', 'otel-traces']) {
      const cfg = collectorConfig(edgeObjects, name);
      expect(cfg.processors.resource).toEqual({ attributes: [{ key: 'k8s.cluster.name', value: 'edge-1', action: 'upsert' }] });
      expect(envValue(edgeObjects, 'Deployment', name, GATEWAY_ENDPOINT_ENV)).toBe(mgmt.gw.remoteEndpoint('otel.mgmt.example.com').hostPort);
    }
    expectValid(edgeObjects);
  });
});

describe('gateway env constant', () => {
  test('GIVEN the package THEN GATEWAY_ENDPOINT_ENV names the env var the exporters read', () => {
    expect(GATEWAY_ENDPOINT_ENV).toBe('OTLP_GATEWAY_ENDPOINT');
  });
});

describe('the whole collector layer', () => {
  test('GIVEN every collector in one chart WHEN synthesized THEN all objects are schema-valid and meet the restricted policy', () => {
    const s = backends();
    const metrics = new MetricsCollector(s.chart, 'metrics', { prometheus: s.prometheus });
    const logs = new LogsCollector(s.chart, 'logs', { loki: s.loki });
    const traces = new TracesCollector(s.chart, 'traces', { tempo: s.tempo });
    new NodeAgent(s.chart, 'agent', { clusterName: 'c1', forwardTo: { collectors: { metrics, logs, traces } } });
    new TelemetryGateway(s.chart, 'gateway', {
      loki: s.loki,
      tempo: s.tempo,
      prometheus: s.prometheus,
      tls: { secretName: 'gw-tls' },
      auth: { bearerTokens: { name: 'gw-tokens', key: 'tokens' } },
    });
    const objects = synth(s.chart);
    expect(objects.filter((o) => o.metadata?.labels?.['app.kubernetes.io/name'] === 'opentelemetry-collector').length).toBeGreaterThan(20);
    expectValid(objects);
  });
});
