import { parse } from 'yaml';
import {
  annotatedPodsJob,
  batch,
  bearerTokenAuth,
  CLUSTER_NAME_LABEL,
  clusterNameProcessor,
  CollectorConfig,
  CollectorConfigError,
  debugExporter,
  envRef,
  escapeDollar,
  escapeForCollector,
  forwardConnector,
  healthCheck,
  isComponentId,
  kgatewayControlPlaneJob,
  kgatewayDataPlaneJob,
  memoryLimiter,
  metricAllowlist,
  nativeHistogramGlobal,
  otlpGrpcExporter,
  otlpHttpExporter,
  otlpReceiver,
  prometheusExporter,
  prometheusReceiver,
  prometheusRemoteWriteExporter,
} from '../lib/collector';
import { Endpoint } from '../lib/endpoint';

const tempoGrpc = new Endpoint({ service: 'tempo', namespace: 'telemetry', port: 4317, portName: 'otlp-grpc', protocol: 'grpc' });
const lokiOtlp = new Endpoint({ service: 'loki', namespace: 'telemetry', port: 3100, portName: 'http', protocol: 'http', path: '/otlp' });

/** A minimal valid config: otlp → memory_limiter, batch → otlp_grpc. */
function minimal(): { cfg: CollectorConfig; otlp: ReturnType<typeof otlpReceiver>; exp: ReturnType<typeof otlpGrpcExporter> } {
  const cfg = new CollectorConfig();
  const otlp = otlpReceiver();
  const exp = otlpGrpcExporter({ name: 'tempo', target: tempoGrpc });
  cfg.addExtension(healthCheck()).addReceiver(otlp).addProcessor(memoryLimiter(), batch()).addExporter(exp);
  cfg.addPipeline({ signal: 'traces', receivers: [otlp], processors: ['memory_limiter', 'batch'], exporters: [exp] });
  return { cfg, otlp, exp };
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CollectorConfigError);
    return [...(e as CollectorConfigError).messages];
  }
  throw new Error('expected a CollectorConfigError');
}

describe('CollectorConfig rendering', () => {
  test('GIVEN a minimal valid config WHEN rendered THEN sections, ids, pipelines and telemetry readers are exact', () => {
    const { cfg } = minimal();
    const doc = parse(cfg.toYaml());
    expect(Object.keys(doc)).toEqual(['extensions', 'receivers', 'processors', 'exporters', 'service']);
    expect(doc.extensions).toEqual({ health_check: { endpoint: '0.0.0.0:13133', path: '/' } });
    expect(doc.receivers.otlp).toEqual({ protocols: { grpc: { endpoint: '0.0.0.0:4317', max_recv_msg_size_mib: 32 }, http: { endpoint: '0.0.0.0:4318' } } });
    expect(doc.service).toEqual({
      extensions: ['health_check'],
      telemetry: {
        logs: { level: 'info' },
        metrics: {
          level: 'normal',
          readers: [
            { pull: { exporter: { prometheus: { host: '0.0.0.0', port: 8888, without_scope_info: true, without_units: false, without_type_suffix: false } } } },
          ],
        },
      },
      pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_grpc/tempo'] } },
    });
  });

  test('GIVEN components WHEN asking for ports THEN receiver, extension and telemetry reader ports are derived with expose flags', () => {
    const { cfg } = minimal();
    expect(cfg.ports).toEqual([
      { name: 'health', port: 13133, protocol: 'http', path: '/', expose: false },
      { name: 'otlp-grpc', port: 4317, protocol: 'grpc' },
      { name: 'otlp-http', port: 4318, protocol: 'http' },
      { name: 'metrics', port: 8888, protocol: 'http', path: '/metrics', expose: false },
    ]);
  });

  test('GIVEN a named component WHEN its id is computed THEN it is type/name, and ids are validated', () => {
    expect(isComponentId('otlp_grpc/tempo')).toBe(true);
    expect(isComponentId('otlp')).toBe(true);
    expect(isComponentId('Otlp')).toBe(false);
    expect(isComponentId('otlp/a/b')).toBe(false);
    expect(isComponentId('otlp/')).toBe(false);
  });

  test('GIVEN a rendered config WHEN frozen by a construct THEN later changes throw', () => {
    const { cfg } = minimal();
    cfg.freeze('test/collector');
    expect(() => cfg.addExporter(debugExporter())).toThrow(/already rendered by test\/collector/);
  });
});

describe('CollectorConfig validation', () => {
  test('GIVEN a pipeline naming an undefined exporter WHEN rendered THEN the error names the pipeline and the id', () => {
    const { cfg } = minimal();
    cfg.addPipeline({ signal: 'logs', receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_http/loki'] });
    expect(problemsOf(() => cfg.toYaml('chart/otel-logs'))).toEqual([
      'pipeline "logs" references undefined exporter or connector "otlp_http/loki" in exporters',
    ]);
    expect(() => cfg.toYaml('chart/otel-logs')).toThrow(/Invalid configuration in collector config of chart\/otel-logs:\n {2}- collector config: pipeline "logs"/);
  });

  test('GIVEN a pipeline naming an undefined receiver and processor WHEN rendered THEN each is named', () => {
    const { cfg } = minimal();
    cfg.addPipeline({ signal: 'metrics', name: 'x', receivers: ['prometheus'], processors: ['memory_limiter', 'filter/allowlist', 'batch'], exporters: ['otlp_grpc/tempo'] });
    expect(problemsOf(() => cfg.toObject())).toEqual([
      'pipeline "metrics/x" references undefined receiver or connector "prometheus" in receivers',
      'pipeline "metrics/x" references undefined processor "filter/allowlist" in processors',
    ]);
  });

  test('GIVEN a defined but unused exporter WHEN rendered THEN the error names it', () => {
    const { cfg } = minimal();
    cfg.addExporter(otlpHttpExporter({ name: 'loki', target: lokiOtlp }));
    expect(problemsOf(() => cfg.toObject())).toEqual(['exporter "otlp_http/loki" is defined but not used in any pipeline']);
  });

  test('GIVEN an unused receiver and processor WHEN rendered THEN both are named', () => {
    const { cfg } = minimal();
    cfg.addReceiver(otlpReceiver({ name: 'other', grpc: { port: 14317, portName: 'other-grpc' }, http: false }));
    cfg.addProcessor(metricAllowlist({ metricNames: ['up'] }));
    expect(problemsOf(() => cfg.toObject())).toEqual([
      'receiver "otlp/other" is defined but not used in any pipeline',
      'processor "filter/allowlist" is defined but not used in any pipeline',
    ]);
  });

  test('GIVEN an extension defined but not in service.extensions WHEN rendered THEN the error names it', () => {
    const { cfg } = minimal();
    cfg.addExtension(bearerTokenAuth({ name: 'client', filename: '/t' }), { enable: false });
    expect(problemsOf(() => cfg.toObject())).toEqual(['extension "bearertokenauth/client" is defined but not listed in service.extensions']);
  });

  test('GIVEN service.extensions naming an undefined extension WHEN rendered THEN the error names it', () => {
    const { cfg } = minimal();
    cfg.enableExtension('pprof');
    expect(problemsOf(() => cfg.toObject())).toEqual(['service.extensions lists undefined extension "pprof"']);
  });

  test('GIVEN an exporter referencing an authenticator that is not defined WHEN rendered THEN both ids are named', () => {
    const cfg = new CollectorConfig();
    const otlp = otlpReceiver();
    const gw = otlpGrpcExporter({ name: 'gateway', target: { hostPort: 'gw.example.com:4317', tls: true }, authenticator: 'bearertokenauth/gateway' });
    cfg.addExtension(healthCheck()).addReceiver(otlp).addProcessor(memoryLimiter(), batch()).addExporter(gw);
    cfg.addPipeline({ signal: 'logs', receivers: [otlp], processors: ['memory_limiter', 'batch'], exporters: [gw] });
    expect(problemsOf(() => cfg.toObject())).toEqual(['exporter "otlp_grpc/gateway" references undefined extension "bearertokenauth/gateway"']);
  });

  test('GIVEN two components with the same port WHEN rendered THEN the clash names both components and ports', () => {
    const { cfg } = minimal();
    cfg.addExporter(prometheusExporter({ port: 4317 }));
    cfg.addPipeline({ signal: 'metrics', receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['prometheus'] });
    expect(problemsOf(() => cfg.toObject())).toEqual(['port clash: receiver "otlp" port "otlp-grpc" and exporter "prometheus" port "prom-export" both use 4317']);
  });

  test('GIVEN a component port on the telemetry reader port WHEN rendered THEN the clash names the telemetry reader', () => {
    const { cfg } = minimal();
    cfg.addExporter(prometheusExporter({ port: 8888 }));
    cfg.addPipeline({ signal: 'metrics', receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['prometheus'] });
    expect(problemsOf(() => cfg.toObject())).toEqual(['port clash: exporter "prometheus" port "prom-export" and "service.telemetry.metrics" port "metrics" both use 8888']);
  });

  test('GIVEN two receivers with the same port name WHEN rendered THEN the name clash names both', () => {
    const { cfg } = minimal();
    const other = otlpReceiver({ name: 'b', grpc: { port: 14317 }, http: false });
    cfg.addReceiver(other);
    cfg.addPipeline({ signal: 'logs', receivers: [other], processors: ['memory_limiter', 'batch'], exporters: ['otlp_grpc/tempo'] });
    expect(problemsOf(() => cfg.toObject())).toEqual(['port name clash: receiver "otlp" and receiver "otlp/b" both name a port "otlp-grpc"']);
  });

  test('GIVEN a pipeline without memory_limiter first WHEN rendered THEN the error names the pipeline and its processors', () => {
    const { cfg } = minimal();
    cfg.addPipeline({ signal: 'logs', receivers: ['otlp'], processors: ['batch'], exporters: ['otlp_grpc/tempo'] });
    expect(problemsOf(() => cfg.toObject())).toEqual(['pipeline "logs" must start with a memory_limiter processor (processors: [batch])']);
  });

  test('GIVEN a pipeline without batch last WHEN rendered THEN the error names the pipeline and its processors', () => {
    const { cfg } = minimal();
    cfg.addPipeline({ signal: 'logs', receivers: ['otlp'], processors: ['batch', 'memory_limiter'], exporters: ['otlp_grpc/tempo'] });
    expect(problemsOf(() => cfg.toObject())).toEqual([
      'pipeline "logs" must start with a memory_limiter processor (processors: [batch, memory_limiter])',
      'pipeline "logs" must end with a batch processor before its exporters (processors: [batch, memory_limiter])',
    ]);
  });

  test('GIVEN a metrics-only component in a traces pipeline WHEN rendered THEN the error names component and signal', () => {
    const { cfg } = minimal();
    const prw = prometheusRemoteWriteExporter({ target: new Endpoint({ service: 'prometheus', namespace: 't', port: 9090, portName: 'http', protocol: 'http', path: '/api/v1/write' }) });
    cfg.addExporter(prw);
    cfg.addPipeline({ signal: 'traces', name: 'prw', receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: [prw] });
    expect(problemsOf(() => cfg.toObject())).toEqual(['pipeline "traces/prw": exporter "prometheus_remote_write" does not support traces (supports metrics)']);
  });

  test('GIVEN a component in the wrong section of a pipeline WHEN rendered THEN the error names class and role', () => {
    const { cfg } = minimal();
    cfg.addPipeline({ signal: 'logs', receivers: ['otlp_grpc/tempo'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_grpc/tempo'] });
    expect(problemsOf(() => cfg.toObject())).toEqual(['pipeline "logs" lists exporter "otlp_grpc/tempo" in receivers; allowed there: receiver or connector']);
  });

  test('GIVEN duplicate ids and pipelines WHEN rendered THEN each duplicate is named', () => {
    const { cfg } = minimal();
    cfg.addExporter(otlpGrpcExporter({ name: 'tempo', target: tempoGrpc }));
    cfg.addPipeline({ signal: 'traces', receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_grpc/tempo'] });
    expect(problemsOf(() => cfg.toObject())).toEqual([
      'exporter "otlp_grpc/tempo" is defined twice',
      'pipeline "traces" is defined twice',
    ]);
  });

  test('GIVEN a receiver and an exporter with the same id WHEN rendered THEN it is valid (sections are separate namespaces)', () => {
    const cfg = new CollectorConfig();
    const recv = prometheusReceiver({ config: { scrape_configs: [annotatedPodsJob()] } });
    const exp = prometheusExporter();
    cfg.addExtension(healthCheck()).addReceiver(recv).addProcessor(memoryLimiter(), batch()).addExporter(exp);
    cfg.addPipeline({ signal: 'metrics', receivers: ['prometheus'], processors: ['memory_limiter', 'batch'], exporters: ['prometheus'] });
    const doc = cfg.toObject() as any;
    expect(Object.keys(doc.receivers)).toEqual(['prometheus']);
    expect(Object.keys(doc.exporters)).toEqual(['prometheus']);
  });

  test('GIVEN a connector with the id of an exporter, or defined twice, WHEN rendered THEN each is an error', () => {
    const { cfg } = minimal();
    // Exporter and connector types never overlap in the typed factories; build one by hand.
    cfg.addExporter({ class: 'exporter', type: 'forward' as any, config: {} });
    cfg.addConnector(forwardConnector());
    cfg.addConnector(forwardConnector({ name: 'x' }), forwardConnector({ name: 'x' }));
    const problems = problemsOf(() => cfg.toObject());
    expect(problems.slice(0, 2)).toEqual([
      'connector "forward" has the id of an exporter; connector ids must differ from receiver and exporter ids',
      'connector "forward/x" is defined twice',
    ]);
  });

  test('GIVEN no pipelines WHEN rendered THEN it is an error, with every unused component named', () => {
    const cfg = new CollectorConfig().addExtension(healthCheck()).addReceiver(otlpReceiver());
    expect(problemsOf(() => cfg.toObject())).toEqual([
      'service.pipelines is empty; a collector needs at least one pipeline',
      'receiver "otlp" is defined but not used in any pipeline',
    ]);
  });

  test('GIVEN a connector used on one side only WHEN rendered THEN it is an error; on both sides it is valid', () => {
    const { cfg } = minimal();
    const fwd = forwardConnector({ name: 'tee' });
    cfg.addConnector(fwd);
    cfg.addPipeline({ signal: 'traces', name: 'in', receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: [fwd] });
    expect(problemsOf(() => cfg.toObject())).toEqual(['connector "forward/tee" must be used as an exporter in one pipeline and as a receiver in another']);
    cfg.addPipeline({ signal: 'traces', name: 'out', receivers: [fwd], processors: ['memory_limiter', 'batch'], exporters: ['otlp_grpc/tempo'] });
    const doc = cfg.toObject() as any;
    expect(doc.connectors).toEqual({ 'forward/tee': {} });
    expect(doc.service.pipelines['traces/out'].receivers).toEqual(['forward/tee']);
  });
});

describe('exporters', () => {
  test('GIVEN an OTLP gRPC exporter to an in-cluster endpoint THEN endpoint is host:port, plaintext, gzip, queue and retries set', () => {
    expect(otlpGrpcExporter({ name: 'tempo', target: tempoGrpc }).config).toEqual({
      endpoint: 'tempo.telemetry.svc:4317',
      tls: { insecure: true },
      compression: 'gzip',
      sending_queue: { enabled: true, num_consumers: 10, queue_size: 1000 },
      retry_on_failure: { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s' },
    });
  });

  test('GIVEN a TLS target with a CA and authenticator THEN tls carries ca_file and no insecure, and auth is set', () => {
    const e = otlpGrpcExporter({
      name: 'gw',
      target: tempoGrpc.withHost('otel.example.com', true),
      tlsOptions: { caFile: '/ca.crt', serverNameOverride: 'otel' },
      authenticator: 'bearertokenauth/gw',
    });
    expect(e.config.tls).toEqual({ ca_file: '/ca.crt', server_name_override: 'otel' });
    expect(e.config.auth).toEqual({ authenticator: 'bearertokenauth/gw' });
    expect(e.config.endpoint).toBe('otel.example.com:4317');
    expect(e.requires).toEqual(['bearertokenauth/gw']);
  });

  test('GIVEN an OTLP HTTP exporter THEN endpoint is the base URL and headers are passed', () => {
    const e = otlpHttpExporter({ name: 'loki', target: lokiOtlp, headers: { 'X-Scope-OrgID': 'a' } });
    expect(e.type).toBe('otlp_http');
    expect(e.config.endpoint).toBe('http://loki.telemetry.svc:3100/otlp');
    expect(e.config.headers).toEqual({ 'X-Scope-OrgID': 'a' });
    expect(e.config.compression).toBe('gzip');
  });

  test('GIVEN a remote-write exporter THEN HTTP settings nest under http, snappy, remote_write_queue and no sending_queue', () => {
    const e = prometheusRemoteWriteExporter({ target: new Endpoint({ service: 'p', namespace: 't', port: 9090, portName: 'http', protocol: 'http', path: '/api/v1/write' }) });
    expect(e.config).toEqual({
      http: { endpoint: 'http://p.t.svc:9090/api/v1/write', tls: { insecure: true }, compression: 'snappy', timeout: '5s' },
      timeout: '905s',
      resource_to_telemetry_conversion: { enabled: false },
      remote_write_queue: { enabled: true, queue_size: 10000, num_consumers: 5 },
      retry_on_failure: { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '15m' },
    });
    expect(e.config).not.toHaveProperty('sending_queue');
  });

  test('GIVEN remote-write retry and request timeouts WHEN rendered THEN the exporter timeout covers the whole retry window plus one request (it bounds the retry loop)', () => {
    const target = new Endpoint({ service: 'p', namespace: 't', port: 9090, portName: 'http', protocol: 'http', path: '/api/v1/write' });
    // GIVEN an hour of retries and 30 s requests THEN 3630 s
    const long = prometheusRemoteWriteExporter({ target, retry: { maxElapsedTime: '1h' }, requestTimeout: '30s' }).config as any;
    expect([long.timeout, long.http.timeout, long.retry_on_failure.max_elapsed_time]).toEqual(['3630s', '30s', '1h']);
    // GIVEN retries forever THEN no exporter timeout
    expect(prometheusRemoteWriteExporter({ target, retry: { maxElapsedTime: '0s' } }).config.timeout).toBe('0s');
    // GIVEN a duration that is not one THEN a validation error naming it
    expect(() => prometheusRemoteWriteExporter({ target, requestTimeout: '5 seconds' })).toThrow(/requestTimeout: "5 seconds" is invalid; allowed: a duration such as/);
  });

  test('GIVEN remote write with external labels THEN they are rendered; the prometheus exporter renders const_labels only when given', () => {
    const target = new Endpoint({ service: 'p', namespace: 't', port: 9090, portName: 'http', protocol: 'http', path: '/api/v1/write' });
    expect(prometheusRemoteWriteExporter({ target, externalLabels: { [CLUSTER_NAME_LABEL]: 'c1' } }).config.external_labels).toEqual({ k8s_cluster_name: 'c1' });
    expect(prometheusExporter({ constLabels: { [CLUSTER_NAME_LABEL]: 'c1' } }).config).toEqual({
      endpoint: '0.0.0.0:8889',
      const_labels: { k8s_cluster_name: 'c1' },
      resource_to_telemetry_conversion: { enabled: false },
    });
    expect(prometheusExporter().config).not.toHaveProperty('const_labels');
    expect(prometheusExporter({ constLabels: {} }).config).not.toHaveProperty('const_labels');
  });

  test('GIVEN an env var name THEN envRef is the collector expansion ${env:NAME}, and it survives YAML rendering of an exporter endpoint', () => {
    expect(envRef('OTLP_GATEWAY_ENDPOINT')).toBe('${env:OTLP_GATEWAY_ENDPOINT}');
    expect(() => envRef('bad-name')).toThrow(/in envRef:\n {2}- name: "bad-name" is invalid; allowed: an environment variable name/);
    const cfg = new CollectorConfig();
    const otlp = otlpReceiver();
    const exp = otlpGrpcExporter({ name: 'gateway', target: { hostPort: envRef('GW'), tls: true }, tlsOptions: { caFile: '/ca.crt', serverNameOverride: 'gw.example.com' } });
    cfg.addExtension(healthCheck()).addReceiver(otlp).addProcessor(memoryLimiter(), batch()).addExporter(exp);
    cfg.addPipeline({ signal: 'logs', receivers: [otlp], processors: ['memory_limiter', 'batch'], exporters: [exp] });
    const doc = parse(cfg.toYaml());
    expect(doc.exporters['otlp_grpc/gateway'].endpoint).toBe('${env:GW}');
    expect(doc.exporters['otlp_grpc/gateway'].tls).toEqual({ ca_file: '/ca.crt', server_name_override: 'gw.example.com' });
  });

  test('GIVEN a cluster name THEN the resource processor upserts k8s.cluster.name under the id resource', () => {
    const p = clusterNameProcessor('prod-eu-1');
    expect(p.type).toBe('resource');
    expect(p.name).toBeUndefined();
    expect(p.config).toEqual({ attributes: [{ key: 'k8s.cluster.name', value: 'prod-eu-1', action: 'upsert' }] });
  });

  test('GIVEN an allowlist with an invalid name WHEN built THEN it throws naming the value', () => {
    expect(() => metricAllowlist({ metricNames: ['ok', 'bad name"'] })).toThrow(/metricAllowlist\.metricNames: \["bad name\\""\] is invalid/);
    expect(() => metricAllowlist({ metricNames: [] })).toThrow(/non-empty list/);
  });

  test('GIVEN an allowlist WHEN built THEN a single OTTL condition drops every other metric', () => {
    expect(metricAllowlist({ metricNames: ['up', 'http.server.request.duration'] }).config).toEqual({
      error_mode: 'ignore',
      metric_conditions: ['not (metric.name == "up" or metric.name == "http.server.request.duration")'],
    });
  });
});

describe('prometheus receiver and scrape jobs', () => {
  test('GIVEN relabel replacements with $ WHEN embedded in a collector config THEN every $ is doubled, selectors keep ${env:…}', () => {
    const job = annotatedPodsJob({ nodeLocal: true });
    const escaped = escapeForCollector(job);
    const address = escaped.relabel_configs!.find((r) => r.target_label === '__address__')!;
    expect(address.replacement).toBe('$$1:$$2');
    expect(escaped.kubernetes_sd_configs).toEqual([{ role: 'pod', selectors: [{ role: 'pod', field: 'spec.nodeName=${env:K8S_NODE_NAME}' }] }]);
    expect(escapeDollar('^a$')).toBe('^a$$');
    // the plain job keeps Prometheus syntax
    expect(job.relabel_configs!.find((r) => r.target_label === '__address__')!.replacement).toBe('$1:$2');
  });

  test('GIVEN the prometheus receiver WHEN rendered to YAML THEN $$ survives serialization and it is metrics-only', () => {
    const r = prometheusReceiver({ config: { global: nativeHistogramGlobal('30s'), scrape_configs: [annotatedPodsJob()] } });
    expect(r.signals).toEqual(['metrics']);
    const cfg = new CollectorConfig().addExtension(healthCheck()).addReceiver(r).addProcessor(memoryLimiter(), batch()).addExporter(debugExporter());
    cfg.addPipeline({ signal: 'metrics', receivers: [r], processors: ['memory_limiter', 'batch'], exporters: ['debug'] });
    const doc = parse(cfg.toYaml());
    const relabel = doc.receivers.prometheus.config.scrape_configs[0].relabel_configs;
    expect(relabel.find((x: any) => x.target_label === '__address__').replacement).toBe('$$1:$$2');
    expect(doc.receivers.prometheus.config.global).toEqual({
      scrape_interval: '30s',
      scrape_protocols: ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText0.0.4'],
      scrape_native_histograms: true,
    });
  });

  test('GIVEN the kgateway jobs THEN they keep pods by the kgateway label value and the generic job drops them', () => {
    expect(kgatewayDataPlaneJob().relabel_configs![0]).toEqual({ source_labels: ['__meta_kubernetes_pod_label_kgateway'], regex: 'kube-gateway', action: 'keep' });
    expect(kgatewayControlPlaneJob().relabel_configs![0]).toEqual({ source_labels: ['__meta_kubernetes_pod_label_kgateway'], regex: 'kgateway', action: 'keep' });
    expect(annotatedPodsJob().relabel_configs![0]).toEqual({ source_labels: ['__meta_kubernetes_pod_label_kgateway'], regex: 'kube-gateway|kgateway', action: 'drop' });
  });
});
