import { stringify } from 'yaml';
import {
  isPastOrTodayDate,
  Loki,
  LOKI_CONFIG_PATH,
  LokiProps,
  lokiConfig,
  renderLokiConfig,
} from '../components/loki';
import { ValidationError } from '../lib/validation';
import { Duration } from '../lib/values';
import { podPolicyViolations } from './support/restricted';
import { find, newChart, parseYaml, schemaErrors, synth } from './support/synth';

const S3 = {
  endpoint: 'minio.storage.svc:9000',
  bucket: 'loki-chunks',
  insecure: true,
  credentials: {
    accessKeyId: { name: 'loki-s3', key: 'access-key-id' },
    secretAccessKey: { name: 'loki-s3', key: 'secret-access-key' },
  },
};

function render(props: LokiProps = {}) {
  const chart = newChart('telemetry');
  const loki = new Loki(chart, 'loki', props);
  const objects = synth(chart);
  const name = props.name ?? 'loki';
  const sts = find(objects, 'StatefulSet', name);
  const container = sts.spec.template.spec.containers[0];
  const configMap = find(objects, 'ConfigMap', `${name}-config`);
  const config = parseYaml(configMap.data['config.yaml']);
  return { loki, objects, sts, container, configMap, config };
}

/** The error thrown by `fn`, which must throw a ValidationError. */
function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('Loki: default render', () => {
  test('GIVEN no props WHEN synthesized THEN it renders the single-binary objects with stable names', () => {
    const { objects } = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ['ConfigMap/loki-config', 'Service/loki', 'Service/loki-headless', 'ServiceAccount/loki', 'StatefulSet/loki'].sort(),
    );
    expect(objects.every((o) => o.metadata.namespace === 'telemetry')).toBe(true);
  });

  test('GIVEN no props WHEN synthesized THEN the config is single tenant, tsdb/v13 on the filesystem, with retention that deletes', () => {
    const { config } = render();
    expect(config.auth_enabled).toBe(false);
    // Query paths sized as upstream's chart: 600 s HTTP timeouts, 100 MiB gRPC messages (not 30 s / 4 MiB).
    expect(config.server).toEqual({
      http_listen_port: 3100,
      grpc_listen_port: 9095,
      http_server_read_timeout: '600s',
      http_server_write_timeout: '600s',
      grpc_server_max_recv_msg_size: 104857600,
      grpc_server_max_send_msg_size: 104857600,
    });
    // WAL replay flushes at half the 1Gi limit, not at Loki's 4GB default.
    expect(config.ingester).toEqual({ wal: { replay_memory_ceiling: 512 * 2 ** 20 } });
    expect(config.common).toEqual({
      instance_addr: '127.0.0.1',
      path_prefix: '/var/loki',
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
      storage: { filesystem: { chunks_directory: '/var/loki/chunks', rules_directory: '/var/loki/rules' } },
    });
    expect(config.schema_config.configs).toEqual([
      { from: '2024-04-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } },
    ]);
    expect(config.storage_config).toEqual({
      tsdb_shipper: { active_index_directory: '/var/loki/tsdb-shipper-active', cache_location: '/var/loki/tsdb-shipper-cache' },
    });
    expect(config.compactor).toEqual({
      working_directory: '/var/loki/compactor',
      compaction_interval: '10m',
      retention_enabled: true,
      retention_delete_delay: '2h',
      delete_request_store: 'filesystem',
    });
    expect(config.limits_config).toEqual({
      retention_period: '744h',
      reject_old_samples: true,
      reject_old_samples_max_age: '168h',
      query_timeout: '300s',
      allow_structured_metadata: true,
    });
    expect(config.analytics).toEqual({ reporting_enabled: false });
    // The file is exactly what the pure builder returns.
    expect(config).toEqual(lokiConfig({ memoryLimitBytes: 2 ** 30 }));
  });

  test('GIVEN no props WHEN synthesized THEN the container runs -target=all on the mounted config file', () => {
    const { container, sts, configMap } = render();
    expect(container.image).toBe('docker.io/grafana/loki:3.7.6');
    expect(container.args).toEqual(['-config.file=/etc/loki/config/config.yaml', '-target=all']);
    // GOMEMLIMIT at 85% of the 1Gi limit (the Loki chart's goMemLimitFactor).
    expect(container.env).toEqual([{ name: 'GOMEMLIMIT', value: '870MiB' }]);
    // -config.file points at a key of the ConfigMap, mounted from that ConfigMap.
    const configFile = container.args[0].replace('-config.file=', '');
    const mount = container.volumeMounts.find((m: any) => configFile.startsWith(`${m.mountPath}/`));
    expect(mount).toMatchObject({ name: 'config', readOnly: true });
    expect(Object.keys(configMap.data)).toEqual([configFile.slice(mount.mountPath.length + 1)]);
    const volume = sts.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
    expect(volume.configMap.name).toBe(configMap.metadata.name);
  });

  test('GIVEN no props WHEN synthesized THEN /var/loki is a 10Gi PVC and /tmp an emptyDir, running as 10001', () => {
    const { sts, container, config } = render();
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates).toHaveLength(1);
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.metadata.name).toBe('data');
    expect(claim.spec.resources.requests.storage).toBe('10Gi');
    expect(claim.spec.storageClassName).toBeUndefined();
    const mounts = Object.fromEntries(container.volumeMounts.map((m: any) => [m.mountPath, m.name]));
    expect(mounts['/var/loki']).toBe('data');
    expect(mounts['/tmp']).toBe('tmp');
    expect(sts.spec.template.spec.volumes.find((v: any) => v.name === 'tmp').emptyDir).toBeDefined();
    // Every directory Loki writes lies on the PVC.
    const dirs = [
      config.common.path_prefix,
      config.common.storage.filesystem.chunks_directory,
      config.common.storage.filesystem.rules_directory,
      config.storage_config.tsdb_shipper.active_index_directory,
      config.storage_config.tsdb_shipper.cache_location,
      config.compactor.working_directory,
    ];
    for (const d of dirs) expect(d.startsWith('/var/loki')).toBe(true);
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } });
  });

  test('GIVEN no props WHEN synthesized THEN readiness probes /ready and liveness the build-info endpoint on the http port', () => {
    const { container, config } = render();
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/loki/api/v1/status/buildinfo', port: 'http' });
    expect(container.livenessProbe.failureThreshold).toBeGreaterThan(container.readinessProbe.failureThreshold);
    const httpPort = container.ports.find((p: any) => p.name === 'http');
    expect(httpPort.containerPort).toBe(config.server.http_listen_port);
    const grpcPort = container.ports.find((p: any) => p.name === 'grpc');
    expect(grpcPort.containerPort).toBe(config.server.grpc_listen_port);
  });

  test('GIVEN no props WHEN synthesized THEN the endpoints are the rendered Service name and ports', () => {
    const { loki, objects } = render();
    const svc = find(objects, 'Service', 'loki');
    const port = (n: string) => svc.spec.ports.find((p: any) => p.name === n).port;
    expect(loki.endpoints.http.toJSON()).toMatchObject({ service: svc.metadata.name, namespace: svc.metadata.namespace, port: port('http'), path: '' });
    expect(loki.endpoints.otlp.toJSON()).toMatchObject({ service: svc.metadata.name, port: port('http'), path: '/otlp' });
    expect(loki.endpoints.grpc.toJSON()).toMatchObject({ service: svc.metadata.name, port: port('grpc'), protocol: 'grpc' });
    expect(loki.endpoints.http.url()).toBe('http://loki.telemetry.svc:3100');
    expect(loki.endpoints.otlp.url('/v1/logs')).toBe('http://loki.telemetry.svc:3100/otlp/v1/logs');
    expect(loki.endpoints.grpc.hostPort).toBe('loki.telemetry.svc:9095');
  });

  test('GIVEN no props WHEN constructed THEN identity, name, tenant and retention are exposed', () => {
    const { loki } = render();
    expect(loki.name).toBe('loki');
    expect(loki.identity).toEqual({ name: 'loki', app: 'loki', component: 'logs-storage', version: '3.7.6', namespace: 'telemetry' });
    expect(loki.tenant).toBeUndefined();
    expect(loki.tenantHeaders).toEqual({});
    expect(loki.retention).toBe('744h');
    expect(loki.workload.serviceName).toBe('loki');
  });

  test('GIVEN no props WHEN synthesized THEN objects are schema-valid, meet the restricted PSS and match the snapshot', () => {
    const { objects, sts } = render();
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
    expect(sts.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'loki',
      'app.kubernetes.io/component': 'logs-storage',
      'app.kubernetes.io/version': '3.7.6',
    });
    expect(objects).toMatchSnapshot();
  });
});

describe('Loki: S3 storage', () => {
  test('GIVEN an S3 bucket WHEN synthesized THEN chunks, index and delete requests use s3 and the PVC keeps WAL and caches', () => {
    const { config, sts, objects } = render({ storage: { s3: S3, volume: { size: '20Gi', storageClassName: 'fast' } } });
    expect(config.schema_config.configs[0]).toMatchObject({ store: 'tsdb', object_store: 's3', schema: 'v13' });
    expect(config.storage_config.aws).toEqual({
      endpoint: 'minio.storage.svc:9000',
      bucketnames: 'loki-chunks',
      region: 'us-east-1',
      s3forcepathstyle: true,
      insecure: true,
    });
    expect(config.common.storage).toBeUndefined();
    expect(config.compactor).toMatchObject({ retention_enabled: true, delete_request_store: 's3', working_directory: '/var/loki/compactor' });
    expect(config.storage_config.tsdb_shipper.active_index_directory).toBe('/var/loki/tsdb-shipper-active');
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.spec.resources.requests.storage).toBe('20Gi');
    expect(claim.spec.storageClassName).toBe('fast');
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
  });

  test('GIVEN an S3 bucket with credentials WHEN synthesized THEN they reach the SDK as AWS_* env from the Secret and never pass through the config text', () => {
    const { container, configMap, objects } = render({ storage: { s3: S3 } });
    // No env expansion: a secret containing ": " or " #" could otherwise break or cut the YAML.
    expect(container.args).toEqual([`-config.file=${LOKI_CONFIG_PATH}`, '-target=all']);
    expect(container.env).toEqual([
      { name: 'GOMEMLIMIT', value: '870MiB' },
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'loki-s3', key: 'access-key-id' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'loki-s3', key: 'secret-access-key' } } },
    ]);
    const text: string = configMap.data['config.yaml'];
    expect(text).not.toMatch(/\$\{/);
    expect(text).not.toMatch(/access_key|secret_access|session_token/);
    expect(stringify(objects)).not.toMatch(/access_key_id|secret_access_key|session_token/);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('GIVEN an S3 bucket without credentials WHEN synthesized THEN no credential env is set (the pod identity, e.g. IRSA, is used)', () => {
    const { credentials: _c, ...noKeys } = S3;
    const { container, config } = render({ storage: { s3: noKeys } });
    expect(container.env).toEqual([{ name: 'GOMEMLIMIT', value: '870MiB' }]);
    expect(config.storage_config.aws).toEqual({ endpoint: 'minio.storage.svc:9000', bucketnames: 'loki-chunks', region: 'us-east-1', s3forcepathstyle: true, insecure: true });
  });

  test('GIVEN a 512Mi memory limit WHEN synthesized THEN WAL replay flushes at 256 MiB and GOMEMLIMIT is 85% of it', () => {
    const { container, config } = render({ resources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } } });
    expect(config.ingester.wal.replay_memory_ceiling).toBe(256 * 2 ** 20);
    expect(container.env).toEqual([{ name: 'GOMEMLIMIT', value: '435MiB' }]);
  });

  test('GIVEN an AWS bucket with a region and no path style WHEN synthesized THEN region and s3forcepathstyle follow', () => {
    const { config } = render({
      storage: { s3: { ...S3, endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', forcePathStyle: false, insecure: false } },
    });
    expect(config.storage_config.aws).toMatchObject({ region: 'eu-west-1', s3forcepathstyle: false, insecure: false });
  });
});

describe('Loki: tenancy', () => {
  test('GIVEN a tenant WHEN synthesized THEN auth is enabled and clients get the X-Scope-OrgID header', () => {
    const { loki, config } = render({ tenant: 'acme' });
    expect(config.auth_enabled).toBe(true);
    expect(loki.tenant).toBe('acme');
    expect(loki.tenantHeaders).toEqual({ 'X-Scope-OrgID': 'acme' });
  });
});

describe('Loki: retention and OTLP', () => {
  test('GIVEN retention 30d WHEN synthesized THEN retention_period is 30d and deletion stays enabled', () => {
    const { config, loki } = render({ retention: '30d' });
    expect(config.limits_config.retention_period).toBe('30d');
    expect(config.compactor.retention_enabled).toBe(true);
    expect(config.compactor.delete_request_store).toBe('filesystem');
    expect(loki.retention).toBe('30d');
  });

  test('GIVEN a retention shorter than a week WHEN synthesized THEN older logs are rejected at ingestion, not stored then deleted', () => {
    const { config } = render({ retention: '48h' });
    expect(config.limits_config).toMatchObject({ retention_period: '48h', reject_old_samples: true, reject_old_samples_max_age: '48h' });
  });

  test('GIVEN retention "forever" WHEN synthesized THEN the compactor keeps everything and no retention_period is set', () => {
    const { config } = render({ retention: 'forever' });
    expect(config.compactor).toEqual({ working_directory: '/var/loki/compactor', compaction_interval: '10m', retention_enabled: false });
    expect(config.limits_config.retention_period).toBeUndefined();
  });

  test('GIVEN OTLP index labels WHEN synthesized THEN they are added as index_label resource attributes on top of the defaults', () => {
    const { config } = render({ otlpIndexLabels: ['k8s.node.name', 'service.version'] });
    expect(config.limits_config.otlp_config).toEqual({
      resource_attributes: { attributes_config: [{ action: 'index_label', attributes: ['k8s.node.name', 'service.version'] }] },
    });
    expect(config.limits_config.otlp_config.resource_attributes.ignore_defaults).toBeUndefined();
    expect(config.limits_config.allow_structured_metadata).toBe(true);
  });

  test('GIVEN a schema start date WHEN synthesized THEN the only schema period starts then', () => {
    const { config } = render({ schemaFrom: '2025-01-15' });
    expect(config.schema_config.configs.map((c: any) => c.from)).toEqual(['2025-01-15']);
  });
});

describe('Loki: checksum and naming', () => {
  test('GIVEN two configs WHEN synthesized THEN the pod checksum annotation changes with the config', () => {
    const a = render({ retention: '744h' }).sts.spec.template.metadata.annotations['checksum/config'];
    const b = render({ retention: '30d' }).sts.spec.template.metadata.annotations['checksum/config'];
    const a2 = render({ retention: '744h' }).sts.spec.template.metadata.annotations['checksum/config'];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(a).toBe(a2);
  });

  test('GIVEN a name and namespace WHEN synthesized THEN objects and endpoints follow them', () => {
    const { loki, objects } = render({ name: 'logs', namespace: 'obs' });
    expect(find(objects, 'Service', 'logs').metadata.namespace).toBe('obs');
    expect(loki.endpoints.otlp.url()).toBe('http://logs.obs.svc:3100/otlp');
  });
});

describe('Loki: invalid props', () => {
  const cases: [string, LokiProps, string, unknown, RegExp][] = [
    ['bad retention syntax', { retention: '30 days' }, 'loki.retention', '30 days', /units y, w, d, h, m, s, ms/],
    ['units out of order', { retention: '2d1w' }, 'loki.retention', '2d1w', /largest first/],
    ['retention below 24h', { retention: '23h59m' }, 'loki.retention', '23h59m', /at least "24h"/],
    ['bare zero retention', { retention: '0' }, 'loki.retention', '0', /"forever" to disable deletion/],
    ['zero retention', { retention: '0s' }, 'loki.retention', '0s', /at least "24h"/],
    ['bad storage size', { storage: { volume: { size: '10 GB' } } }, 'loki.storage.volume.size', '10 GB', /Kubernetes quantity/],
    ['bad bucket', { storage: { s3: { ...S3, bucket: 'Loki_Chunks' } } }, 'loki.storage.s3.bucket', 'Loki_Chunks', /S3 bucket name/],
    ['endpoint with scheme', { storage: { s3: { ...S3, endpoint: 'http://minio:9000' } } }, 'loki.storage.s3.endpoint', 'http://minio:9000', /no scheme/],
    ['bad CPU', { resources: { limits: { cpu: 'lots' } } }, 'loki.resources.limits.cpu', 'lots', /Kubernetes quantity/],
    ['limit under request', { resources: { requests: { memory: '2Gi' } } }, 'loki.resources.limits.memory', '1Gi', /at least the request \(2Gi\)/],
    ['bad name', { name: 'Loki_1' }, 'loki.name', 'Loki_1', /DNS-1035 label/],
    ['name too long', { name: `l${'o'.repeat(52)}` }, 'loki.name', `l${'o'.repeat(52)}`, /at most 52/],
    ['bad namespace', { namespace: 'Telemetry' }, 'loki.namespace', 'Telemetry', /namespace name/],
    ['bad tenant', { tenant: 'team|a' }, 'loki.tenant', 'team|a', /tenant ID/],
    ['future schema date', { schemaFrom: '2999-01-01' }, 'loki.schemaFrom', '2999-01-01', /no later than today/],
    ['impossible schema date', { schemaFrom: '2024-02-30' }, 'loki.schemaFrom', '2024-02-30', /YYYY-MM-DD/],
    ['bad OTLP label', { otlpIndexLabels: ['k8s node'] }, 'loki.otlpIndexLabels[0]', 'k8s node', /attribute name/],
    ['duplicate OTLP labels', { otlpIndexLabels: ['a', 'a'] }, 'loki.otlpIndexLabels[1]', 'a', /distinct/],
  ];

  test.each(cases)('GIVEN %s WHEN constructing THEN it throws naming field, value and allowed, creating nothing', (_t, props, field, value, allowed) => {
    const chart = newChart();
    const err = validationError(() => new Loki(chart, 'loki', props));
    const problem = err.problems.find((p) => p.field === field);
    expect(problem).toBeDefined();
    expect(problem!.value).toEqual(value);
    expect(problem!.allowed).toMatch(allowed);
    expect(err.message).toContain(`${field}: ${JSON.stringify(value)} is invalid; allowed:`);
    expect(err.message).toContain('in Loki props');
    expect(synth(chart)).toEqual([]);
    expect(chart.node.tryFindChild('loki')).toBeUndefined();
  });

  test('GIVEN several bad props WHEN constructing THEN every problem is reported at once', () => {
    const err = validationError(() => new Loki(newChart(), 'loki', { retention: '1h', name: 'X', storage: { volume: { size: 'big' } } }));
    expect(err.problems.map((p) => p.field).sort()).toEqual(['loki.name', 'loki.retention', 'loki.storage.volume.size']);
  });

  test('GIVEN a rejected props object WHEN fixed and retried with the same id THEN construction succeeds', () => {
    const chart = newChart();
    expect(() => new Loki(chart, 'loki', { retention: '1h' })).toThrow(ValidationError);
    expect(() => new Loki(chart, 'loki', { retention: '24h' })).not.toThrow();
  });
});

describe('Loki config helpers', () => {
  test.each([
    ['24h', 86400],
    ['744h', 744 * 3600],
    ['30d', 30 * 86400],
    ['4w', 28 * 86400],
    ['1y', 365 * 86400],
    ['1w2d3h', 9 * 86400 + 3 * 3600],
    ['1h30m', 5400],
    ['1500ms', 1.5],
    ['2d1w', undefined],
    ['1h1h', undefined],
    ['1.5h', undefined],
    ['-24h', undefined],
    ['30 days', undefined],
    ['', undefined],
    ['300y', undefined],
  ])('GIVEN Loki duration %p WHEN parsed by the one duration grammar THEN it is %p seconds', (v, seconds) => expect(Duration.parse(v)?.seconds).toBe(seconds));

  test('GIVEN dates WHEN checked THEN real past dates pass and future or impossible ones fail', () => {
    const today = new Date(Date.UTC(2026, 10, 21, 15, 0, 0));
    expect(isPastOrTodayDate('2024-04-01', today)).toBe(true);
    expect(isPastOrTodayDate('2026-11-21', today)).toBe(true);
    expect(isPastOrTodayDate('2026-11-22', today)).toBe(false);
    expect(isPastOrTodayDate('2024-13-01', today)).toBe(false);
    expect(isPastOrTodayDate('2024-4-1', today)).toBe(false);
  });

  test('GIVEN the same options WHEN built twice THEN the config and its YAML are identical (pure)', () => {
    const opts = { retention: '30d', s3: S3, otlpIndexLabels: ['k8s.node.name'], memoryLimitBytes: 2 ** 30 };
    expect(lokiConfig(opts)).toEqual(lokiConfig(opts));
    expect(renderLokiConfig(lokiConfig(opts))).toBe(renderLokiConfig(lokiConfig(opts)));
    expect(parseYaml(renderLokiConfig(lokiConfig(opts)))).toEqual(lokiConfig(opts));
  });
});
