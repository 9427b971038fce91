import { Chart } from 'cdk8s';
import { Prometheus } from '../components/prometheus';
import { Tempo, tempoConfig, TempoProps } from '../components/tempo';
import { Duration } from '../lib/values';
import { S3BucketOptions } from '../lib/storage';
import { ValidationError } from '../lib/validation';
import { podPolicyViolations } from './support/restricted';
import { find, newChart, parseYaml, schemaErrors, synth } from './support/synth';

const s3: S3BucketOptions = {
  endpoint: 'minio.storage.svc:9000',
  bucket: 'tempo-traces',
  insecure: true,
  credentials: {
    accessKeyId: { name: 'tempo-s3', key: 'access-key-id' },
    secretAccessKey: { name: 'tempo-s3', key: 'secret-access-key' },
  },
};

/** Query paths sized per Tempo's docs: 2m HTTP timeouts, 100 MiB gRPC messages between querier and frontend. */
const QUERY_PATH_SERVER = {
  http_server_read_timeout: '2m',
  http_server_write_timeout: '2m',
  grpc_server_max_recv_msg_size: 104857600,
  grpc_server_max_send_msg_size: 104857600,
};
const QUERIER = { frontend_worker: { frontend_address: '127.0.0.1:9095', grpc_client_config: { max_send_msg_size: 104857600 } } };

function render(props: TempoProps | ((chart: Chart) => TempoProps) = {}, chart: Chart = newChart()) {
  const resolved = typeof props === 'function' ? props(chart) : props;
  const t = new Tempo(chart, 'tempo', resolved);
  const objects = synth(chart);
  const sts = find(objects, 'StatefulSet', t.name);
  const container = sts.spec.template.spec.containers[0];
  const configMap = find(objects, 'ConfigMap', `${t.name}-config`);
  return { t, objects, sts, container, configMap, config: parseYaml(configMap.data['tempo.yaml']) };
}

function withPrometheus(extra: Partial<TempoProps> = {}, mg: Partial<NonNullable<TempoProps['metricsGenerator']>> = {}) {
  let prometheus!: Prometheus;
  const r = render((chart) => {
    prometheus = new Prometheus(chart, 'prometheus');
    return { ...extra, metricsGenerator: { prometheus, ...mg } };
  });
  return { ...r, prometheus };
}

function mountOf(sts: any, volumeName: string): any {
  const m = sts.spec.template.spec.containers[0].volumeMounts.find((x: any) => x.name === volumeName);
  if (!m) throw new Error(`no mount for volume ${volumeName}`);
  return m;
}

/** `host:port` of a Tempo receiver endpoint string. */
function portOf(endpoint: string): number {
  return Number(endpoint.split(':').pop());
}

describe('Tempo defaults (local storage, no Prometheus)', () => {
  test('GIVEN no props WHEN synthesized THEN it renders a StatefulSet, its Services, ServiceAccount and config only', () => {
    const { objects } = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ['ConfigMap/tempo-config', 'Service/tempo', 'Service/tempo-headless', 'ServiceAccount/tempo', 'StatefulSet/tempo'].sort(),
    );
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
  });

  test('GIVEN no props WHEN synthesized THEN it runs monolithic as 10001 with the data PVC at /var/tempo and the config file from the ConfigMap', () => {
    const { sts, container, configMap } = render();
    expect(container.image).toBe('docker.io/grafana/tempo:2.10.8');
    expect(container.args).toEqual(['-config.file=/etc/tempo/tempo.yaml', '-target=all']);
    const configVolume = sts.spec.template.spec.volumes.find((v: any) => v.configMap?.name === configMap.metadata.name);
    expect(`${mountOf(sts, configVolume.name).mountPath}/tempo.yaml`).toBe(container.args[0].split('=')[1]);
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 });
    expect(mountOf(sts, 'data').mountPath).toBe('/var/tempo');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    // GOMEMLIMIT at 85% of the 2Gi limit (the tempo-distributed chart's goMemLimitFactor).
    expect(container.env).toEqual([{ name: 'GOMEMLIMIT', value: '1740MiB' }]);
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('GIVEN no props WHEN synthesized THEN readiness is /ready and liveness a ring-independent endpoint on the http port', () => {
    const { container } = render();
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/api/status/buildinfo', port: 'http' });
  });

  test('GIVEN no props WHEN the config is parsed THEN the OTLP receivers bind 0.0.0.0 on the container and Service ports', () => {
    const { config, container, objects } = render();
    const protocols = config.distributor.receivers.otlp.protocols;
    expect(protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(protocols.http.endpoint).toBe('0.0.0.0:4318');
    const containerPorts = Object.fromEntries(container.ports.map((p: any) => [p.name, p.containerPort]));
    expect(containerPorts).toEqual({ http: 3200, grpc: 9095, 'otlp-grpc': 4317, 'otlp-http': 4318 });
    expect(portOf(protocols.grpc.endpoint)).toBe(containerPorts['otlp-grpc']);
    expect(portOf(protocols.http.endpoint)).toBe(containerPorts['otlp-http']);
    expect(config.server).toEqual({ http_listen_port: containerPorts.http, grpc_listen_port: containerPorts.grpc, log_level: 'info', ...QUERY_PATH_SERVER });
    const svcPorts = find(objects, 'Service', 'tempo').spec.ports.map((p: any) => [p.name, p.port, p.targetPort]);
    expect(svcPorts).toEqual([
      ['http', 3200, 'http'],
      ['grpc', 9095, 'grpc'],
      ['otlp-grpc', 4317, 'otlp-grpc'],
      ['otlp-http', 4318, 'otlp-http'],
    ]);
  });

  test('GIVEN no props WHEN the config is parsed THEN blocks and WAL live on the PVC, retention is 336h, single tenant, no usage report', () => {
    const { config } = render();
    expect(config.storage).toEqual({ trace: { backend: 'local', wal: { path: '/var/tempo/wal' }, local: { path: '/var/tempo/blocks' } } });
    expect(config.compactor).toEqual({ compaction: { block_retention: '336h' } });
    expect(config.multitenancy_enabled).toBe(false);
    expect(config.stream_over_http_enabled).toBe(true);
    expect(config.usage_report).toEqual({ reporting_enabled: false });
    expect(config.querier).toEqual(QUERIER);
  });

  test('GIVEN no Prometheus WHEN the config is parsed THEN only local-blocks (TraceQL metrics) runs and nothing is remote-written', () => {
    const { config, t } = render();
    expect(config.overrides).toEqual({ defaults: { metrics_generator: { processors: ['local-blocks'], generate_native_histograms: 'classic' } } });
    expect(config.metrics_generator).toEqual({
      storage: { path: '/var/tempo/generator/wal' },
      traces_storage: { path: '/var/tempo/generator/traces' },
      // Flushed to the trace storage: TraceQL metrics and drilldown read ranges older than 30 minutes from there.
      processor: { local_blocks: { filter_server_spans: false, flush_to_storage: true } },
    });
    expect(t.metricsGeneratorTarget).toBeUndefined();
  });

  test('GIVEN TraceQL metrics off and no Prometheus WHEN the config is parsed THEN there is no metrics-generator config at all', () => {
    const { config } = render({ traceqlMetrics: false });
    expect(config.metrics_generator).toBeUndefined();
    expect(config.overrides).toBeUndefined();
  });

  test('GIVEN a Tempo WHEN its endpoints are read THEN they point at the rendered Service ports', () => {
    const { t, objects } = render({ namespace: 'tracing' });
    expect(t.endpoints.http.url()).toBe('http://tempo.tracing.svc:3200');
    expect(t.endpoints.otlpGrpc.hostPort).toBe('tempo.tracing.svc:4317');
    expect(t.endpoints.otlpHttp.url('/v1/traces')).toBe('http://tempo.tracing.svc:4318/v1/traces');
    expect(t.endpoints.grpc.hostPort).toBe('tempo.tracing.svc:9095');
    const svc = find(objects, 'Service', t.endpoints.http.service);
    for (const e of Object.values(t.endpoints)) {
      expect(svc.spec.ports).toContainEqual(expect.objectContaining({ name: e.portName, port: e.port }));
    }
    expect(t.identity).toEqual({ name: 'tempo', app: 'tempo', component: 'traces-storage', version: '2.10.8', namespace: 'tracing' });
  });
});

describe('Tempo metrics-generator wired to Prometheus', () => {
  test('GIVEN a Prometheus WHEN the config is parsed THEN span-metrics and service-graphs remote-write with exemplars to its receiver', () => {
    const { config, prometheus, t } = withPrometheus();
    const rw = config.metrics_generator.storage.remote_write;
    expect(rw).toEqual([{ url: 'http://prometheus.telemetry.svc:9090/api/v1/write', send_exemplars: true }]);
    expect(rw[0].url).toBe(prometheus.endpoints.remoteWrite.url());
    expect(config.overrides.defaults.metrics_generator.processors).toEqual(['service-graphs', 'span-metrics', 'local-blocks']);
    expect(config.metrics_generator.registry.external_labels).toEqual({ source: 'tempo' });
    expect(config.metrics_generator.processor.span_metrics).toEqual({
      dimensions: ['service.namespace', 'deployment.environment.name', 'k8s.namespace.name'],
      enable_target_info: true,
    });
    expect(config.metrics_generator.processor.service_graphs).toEqual({ dimensions: [] });
    expect(t.metricsGeneratorTarget).toBe(prometheus);
  });

  test('GIVEN a Prometheus WHEN synthesized THEN the remote-write URL is a Service and port that Prometheus renders, serving a receiver with exemplar storage', () => {
    const { config, objects } = withPrometheus();
    const url = new URL(config.metrics_generator.storage.remote_write[0].url);
    const [service, namespace, svcSuffix] = url.hostname.split('.');
    expect(svcSuffix).toBe('svc');
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === service && o.metadata.namespace === namespace);
    expect(svc).toBeDefined();
    const port = svc.spec.ports.find((p: any) => p.port === Number(url.port));
    expect(port).toBeDefined();
    // The Service port leads to a container port of the Prometheus pod that receives remote writes.
    const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.namespace === namespace && o.metadata.labels['app.kubernetes.io/name'] === 'prometheus');
    const c = sts.spec.template.spec.containers[0];
    expect(c.ports).toContainEqual(expect.objectContaining({ name: port.targetPort, containerPort: Number(url.port) }));
    expect(svc.spec.selector).toEqual(expect.objectContaining(sts.spec.selector.matchLabels));
    expect(c.args).toContain('--web.enable-remote-write-receiver');
    expect(c.args).toContain('--enable-feature=exemplar-storage,otlp-deltatocumulative');
    expect(url.pathname).toBe('/api/v1/write');
  });

  test('GIVEN Prometheus and Tempo in different namespaces WHEN synthesized THEN the URL names the Prometheus namespace', () => {
    let prometheus!: Prometheus;
    const { config } = render((chart) => {
      prometheus = new Prometheus(chart, 'prometheus', { namespace: 'metrics' });
      return { namespace: 'tracing', metricsGenerator: { prometheus } };
    });
    expect(config.metrics_generator.storage.remote_write[0].url).toBe('http://prometheus.metrics.svc:9090/api/v1/write');
  });

  test('GIVEN the new overrides format WHEN the config is parsed THEN no legacy flat override key is present', () => {
    const { config } = withPrometheus();
    expect(Object.keys(config.overrides)).toEqual(['defaults']);
    expect(JSON.stringify(config)).not.toContain('metrics_generator_processors');
  });

  test('GIVEN generator options WHEN the config is parsed THEN labels, dimensions, target info and histogram mode follow them', () => {
    const { config, t } = withPrometheus(
      { traceqlMetrics: false },
      { externalLabels: { cluster: 'prod' }, spanMetricsDimensions: ['http.route'], serviceGraphDimensions: ['k8s.cluster.name'], enableTargetInfo: false, histograms: 'both' },
    );
    expect(config.metrics_generator.registry.external_labels).toEqual({ source: 'tempo', cluster: 'prod' });
    expect(config.metrics_generator.processor).toEqual({
      service_graphs: { dimensions: ['k8s.cluster.name'] },
      span_metrics: { dimensions: ['http.route'], enable_target_info: false },
    });
    expect(config.metrics_generator.traces_storage).toBeUndefined();
    expect(config.overrides.defaults.metrics_generator).toEqual({ processors: ['service-graphs', 'span-metrics'], generate_native_histograms: 'both' });
    expect(t.histograms).toBe('both');
  });

  test('GIVEN a wired Tempo and Prometheus WHEN synthesized THEN every object is schema-valid and restricted', () => {
    const { objects } = withPrometheus();
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
  });
});

describe('Tempo with S3 storage', () => {
  test('GIVEN an S3 bucket WHEN the config is parsed THEN blocks go to the bucket, no credential is in the config, and the WAL stays on the PVC', () => {
    const { config, container } = render({ storage: { s3 } });
    expect(config.storage.trace).toEqual({
      backend: 's3',
      wal: { path: '/var/tempo/wal' },
      s3: {
        bucket: 'tempo-traces',
        endpoint: 'minio.storage.svc:9000',
        region: 'us-east-1',
        insecure: true,
        forcepathstyle: true,
      },
    });
    // No env expansion of the config text: nothing is substituted before the YAML is parsed.
    expect(container.args).toEqual(['-config.file=/etc/tempo/tempo.yaml', '-target=all']);
  });

  test('GIVEN an S3 bucket WHEN synthesized THEN the credentials reach the pod only as AWS_* secretKeyRef env vars, which minio-go reads', () => {
    const { container, configMap, objects } = render({ storage: { s3 } });
    expect(container.env).toEqual([
      { name: 'GOMEMLIMIT', value: '1740MiB' },
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'tempo-s3', key: 'access-key-id' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'tempo-s3', key: 'secret-access-key' } } },
    ]);
    expect(configMap.data['tempo.yaml']).not.toMatch(/\$\{|access_key|secret_key/);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
  });
});

describe('Tempo without credentials', () => {
  test('GIVEN an S3 bucket without credentials WHEN synthesized THEN no credential env is set (the pod identity, e.g. IRSA, is used)', () => {
    const { credentials: _c, ...noKeys } = s3;
    const { container } = render({ storage: { s3: noKeys } });
    expect(container.env).toEqual([{ name: 'GOMEMLIMIT', value: '1740MiB' }]);
  });
});

describe('Tempo retention and config builder', () => {
  test('GIVEN a retention WHEN synthesized THEN it is the compactor block retention', () => {
    expect(render({ retention: '720h' }).config.compactor.compaction.block_retention).toBe('720h');
    expect(render({ retention: '720h' }).t.retention).toBe('720h');
  });

  test.each([
    ['336h', '336h'],
    ['1h30m', '1h30m'],
    ['90m', '90m'],
    ['14d', '336h'],
    ['2w', '336h'],
    ['30d', '720h'],
    ['1y', '8760h'],
    ['1d1500ms', '24h1s500ms'],
  ])('GIVEN duration %p WHEN rendered for Go (Tempo) THEN it is %p', (v, go) => expect(Duration.parse(v)!.toGo()).toBe(go));

  test('GIVEN a day-unit retention WHEN synthesized THEN Tempo gets the same length as a Go duration', () => {
    expect(render({ retention: '30d' }).config.compactor.compaction.block_retention).toBe('720h');
  });

  test('GIVEN options WHEN built THEN the pure builder returns exactly the documented keys', () => {
    expect(tempoConfig({ retention: '24h', traceqlMetrics: false, histograms: 'classic', logLevel: 'warn' })).toEqual({
      multitenancy_enabled: false,
      stream_over_http_enabled: true,
      server: { http_listen_port: 3200, grpc_listen_port: 9095, log_level: 'warn', ...QUERY_PATH_SERVER },
      distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317', max_recv_msg_size_mib: 32 }, http: { endpoint: '0.0.0.0:4318' } } } } },
      querier: QUERIER,
      compactor: { compaction: { block_retention: '24h' } },
      storage: { trace: { backend: 'local', wal: { path: '/var/tempo/wal' }, local: { path: '/var/tempo/blocks' } } },
      usage_report: { reporting_enabled: false },
    });
  });
});

describe('Tempo validation', () => {
  function problemsOf(fn: () => unknown): { field: string; value: unknown }[] {
    try {
      fn();
    } catch (e) {
      if (e instanceof ValidationError) return e.problems.map((p) => ({ field: p.field, value: p.value }));
      throw e;
    }
    throw new Error('expected a ValidationError');
  }

  test.each<[string, TempoProps, string, unknown]>([
    ['a retention below the blocklist poll period', { retention: '1m' }, 'tempo.retention', '1m'],
    ['a retention beyond Go\'s int64 nanoseconds', { retention: '300y' }, 'tempo.retention', '300y'],
    ['a retention in Go-only syntax', { retention: '1.5h' }, 'tempo.retention', '1.5h'],
    ['an S3 endpoint with a scheme', { storage: { s3: { ...s3, endpoint: 'https://s3.amazonaws.com' } } }, 'tempo.storage.s3.endpoint', 'https://s3.amazonaws.com'],
    ['an invalid bucket', { storage: { s3: { ...s3, bucket: 'Tempo_Traces' } } }, 'tempo.storage.s3.bucket', 'Tempo_Traces'],
    [
      'a credential without key',
      { storage: { s3: { ...s3, credentials: { ...s3.credentials!, secretAccessKey: { name: 'tempo-s3' } as any } } } },
      'tempo.storage.s3.credentials.secretAccessKey.key',
      undefined,
    ],
    ['a bad volume size', { storage: { volume: { size: 'ten' } } }, 'tempo.storage.volume.size', 'ten'],
    ['a log level', { logLevel: 'trace' as any }, 'tempo.logLevel', 'trace'],
    ['a non-Prometheus target', { metricsGenerator: { prometheus: { endpoints: {} } as any } }, 'tempo.metricsGenerator.prometheus', { endpoints: {} }],
  ])('GIVEN %s WHEN constructing THEN it throws naming the field and value', (_what, props, field, value) => {
    expect(problemsOf(() => render(props))).toContainEqual({ field, value });
  });

  test('GIVEN invalid generator options WHEN constructing THEN each is named with what is allowed, and nothing was created', () => {
    const chart = newChart();
    const prometheus = new Prometheus(chart, 'prometheus');
    let message = '';
    try {
      new Tempo(chart, 'tempo', {
        metricsGenerator: { prometheus, histograms: 'exponential' as any, spanMetricsDimensions: ['a', 'a'], externalLabels: { 'bad-label': 'x' } },
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('tempo.metricsGenerator.histograms: "exponential" is invalid; allowed: one of "classic", "native", "both"');
    expect(message).toContain('tempo.metricsGenerator.spanMetricsDimensions[1]: "a" is invalid; allowed: a list of distinct attribute names');
    expect(message).toContain('tempo.metricsGenerator.externalLabels.bad-label: unknown field; allowed: a key that is a label name matching [a-zA-Z_][a-zA-Z0-9_]*');
    expect(chart.node.tryFindChild('tempo')).toBeUndefined();
  });
});

describe('Tempo snapshot', () => {
  test('GIVEN Tempo on S3 wired to Prometheus WHEN synthesized THEN the manifests match the snapshot', () => {
    const chart = newChart();
    const prometheus = new Prometheus(chart, 'prometheus');
    new Tempo(chart, 'tempo', { storage: { s3 }, metricsGenerator: { prometheus } });
    const objects = synth(chart);
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
    expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'tempo')).toMatchSnapshot();
  });
});
