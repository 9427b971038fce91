import { Chart } from 'cdk8s';
import {
  discoveryPolicyRules,
  Prometheus,
  PrometheusProps,
  prometheusConfig,
  PROMETHEUS_RULE_FILES_GLOB,
  RuleGroup,
} from '../components/prometheus';
import { ScrapeConfig } from '../lib/scrape-config';
import { configChecksum } from '../lib/checksum';
import { ValidationError } from '../lib/validation';
import { prometheusSizeBytes } from '../lib/values';
import { podPolicyViolations } from './support/restricted';
import { find, newChart, parseYaml, schemaErrors, synth } from './support/synth';

function render(props: PrometheusProps = {}, setup: (p: Prometheus) => void = () => undefined, chart: Chart = newChart()) {
  const p = new Prometheus(chart, 'prometheus', props);
  setup(p);
  const objects = synth(chart);
  const name = p.name;
  const sts = find(objects, 'StatefulSet', name);
  const container = sts.spec.template.spec.containers[0];
  const configMap = find(objects, 'ConfigMap', `${name}-config`);
  return { p, objects, sts, container, configMap, config: parseYaml(configMap.data['prometheus.yml']) };
}

function flag(container: any, name: string): string | undefined {
  const hit = (container.args as string[]).find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : '';
}

function mountOf(sts: any, volumeName: string): any {
  const m = sts.spec.template.spec.containers[0].volumeMounts.find((x: any) => x.name === volumeName);
  if (!m) throw new Error(`no mount for volume ${volumeName}`);
  return m;
}

const podsJob: ScrapeConfig = {
  job_name: 'kubernetes-pods',
  kubernetes_sd_configs: [{ role: 'pod' }],
  relabel_configs: [
    { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], action: 'keep', regex: 'true' },
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
  ],
};

const sloGroups: RuleGroup[] = [
  {
    name: 'availability',
    interval: '1m',
    rules: [
      { record: 'job:up:avg', expr: 'avg by (job) (up)' },
      { alert: 'TargetDown', expr: 'up == 0', for: '5m', labels: { severity: 'warning' }, annotations: { summary: '{{ $labels.job }} is down' } },
    ],
  },
];

describe('Prometheus defaults', () => {
  test('GIVEN no props WHEN synthesized THEN it renders a StatefulSet, its Services, ServiceAccount and config, and no RBAC', () => {
    const { objects } = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ['ConfigMap/prometheus-config', 'Service/prometheus', 'Service/prometheus-headless', 'ServiceAccount/prometheus', 'StatefulSet/prometheus'].sort(),
    );
  });

  test('GIVEN no props WHEN synthesized THEN every object is schema-valid and the pod meets the restricted profile', () => {
    const { objects } = render();
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
  });

  test('GIVEN no props WHEN synthesized THEN the pod runs as nobody (65534) with the TSDB on a 20Gi PVC at /prometheus', () => {
    const { sts, container } = render();
    expect(container.image).toBe('quay.io/prometheus/prometheus:v3.16.0');
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534 });
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    expect(mountOf(sts, 'data').mountPath).toBe('/prometheus');
    expect(flag(container, 'storage.tsdb.path')).toBe('/prometheus');
  });

  test('GIVEN no props WHEN synthesized THEN --config.file points at the mounted ConfigMap key', () => {
    const { sts, container, configMap } = render();
    const configVolume = sts.spec.template.spec.volumes.find((v: any) => v.configMap?.name === configMap.metadata.name);
    const mount = mountOf(sts, configVolume.name);
    expect(mount.readOnly).toBe(true);
    expect(flag(container, 'config.file')).toBe(`${mount.mountPath}/prometheus.yml`);
    expect(Object.keys(configMap.data)).toEqual(['prometheus.yml']);
  });

  test('GIVEN no props WHEN synthesized THEN the receivers and exemplar storage are on and the unauthenticated lifecycle API is off', () => {
    const { container } = render();
    expect(flag(container, 'web.enable-remote-write-receiver')).toBe('');
    expect(flag(container, 'web.enable-otlp-receiver')).toBe('');
    // Delta-temporality OTLP metrics are accumulated, not refused (feature_flags.md "OTLP Delta Conversion").
    expect(flag(container, 'enable-feature')).toBe('exemplar-storage,otlp-deltatocumulative');
    expect(flag(container, 'web.listen-address')).toBe(':9090');
    expect(flag(container, 'web.enable-lifecycle')).toBeUndefined();
    expect(flag(container, 'web.enable-admin-api')).toBeUndefined();
    // Retention flags are deprecated since 3.8: retention lives in the config file.
    expect(flag(container, 'storage.tsdb.retention.time')).toBeUndefined();
    expect(flag(container, 'storage.tsdb.retention.size')).toBeUndefined();
  });

  test('GIVEN no props WHEN synthesized THEN readiness is /-/ready and liveness /-/healthy on the http port', () => {
    const { container } = render();
    expect(container.readinessProbe.httpGet).toEqual({ path: '/-/ready', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: 'http' });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
  });

  test('GIVEN no props WHEN the config is parsed THEN it means: 30s scrape, native histograms with PrometheusProto first, 15d/16GB retention, 30m OOO window, exemplars, OTLP promotion', () => {
    const { config } = render();
    expect(config.global).toEqual({
      scrape_interval: '30s',
      evaluation_interval: '30s',
      scrape_protocols: ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'],
      scrape_native_histograms: true,
      always_scrape_classic_histograms: true,
    });
    expect(config.storage).toEqual({
      tsdb: { out_of_order_time_window: '30m', retention: { time: '15d', size: '16GB' } },
      exemplars: { max_exemplars: 100000 },
    });
    expect(config.otlp.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
    expect(config.otlp.keep_identifying_resource_attributes).toBe(true);
    expect(config.otlp.promote_resource_attributes).toEqual(expect.arrayContaining(['service.name', 'service.namespace', 'k8s.namespace.name']));
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/*.yaml']);
  });

  test('GIVEN no props WHEN the config is parsed THEN the only scrape job is the self-scrape of the container port', () => {
    const { config, container } = render();
    expect(config.scrape_configs).toEqual([{ job_name: 'prometheus', static_configs: [{ targets: [`localhost:${container.ports[0].containerPort}`] }] }]);
  });

  test('GIVEN no scrape config with Kubernetes discovery WHEN synthesized THEN no service account token is mounted', () => {
    const { objects, sts } = render({ scrapeConfigs: [{ job_name: 'static', static_configs: [{ targets: ['app.default.svc:8080'] }] }] });
    expect(find(objects, 'ServiceAccount', 'prometheus').automountServiceAccountToken).toBe(false);
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toEqual([]);
  });
});

describe('Prometheus endpoints', () => {
  test('GIVEN a Prometheus WHEN its endpoints are read THEN remote-write and OTLP URLs are paths on the rendered Service port', () => {
    const { p, objects } = render();
    expect(p.endpoints.remoteWrite.url()).toBe('http://prometheus.telemetry.svc:9090/api/v1/write');
    expect(p.endpoints.otlp.url('/v1/metrics')).toBe('http://prometheus.telemetry.svc:9090/api/v1/otlp/v1/metrics');
    expect(p.endpoints.http.url()).toBe('http://prometheus.telemetry.svc:9090');
    const svc = find(objects, 'Service', p.endpoints.remoteWrite.service);
    expect(svc.metadata.namespace).toBe(p.endpoints.remoteWrite.namespace);
    expect(svc.spec.ports).toContainEqual(expect.objectContaining({ name: p.endpoints.remoteWrite.portName, port: p.endpoints.remoteWrite.port }));
  });

  test('GIVEN a name and namespace WHEN synthesized THEN objects and endpoints use them', () => {
    const { p, objects } = render({ name: 'metrics', namespace: 'obs' });
    expect(p.endpoints.http.hostPort).toBe('metrics.obs.svc:9090');
    expect(find(objects, 'Service', 'metrics').metadata.namespace).toBe('obs');
    expect(p.identity).toEqual({ name: 'metrics', app: 'prometheus', component: 'metrics-storage', version: '3.16.0', namespace: 'obs' });
  });
});

describe('Prometheus retention', () => {
  test('GIVEN time and size WHEN synthesized THEN they are written to storage.tsdb.retention in the config file', () => {
    const { config, p } = render({ retention: { time: '30d', size: '40GB' }, storage: { volume: { size: '50Gi', storageClassName: 'fast-ssd' } } });
    expect(config.storage.tsdb.retention).toEqual({ time: '30d', size: '40GB' });
    expect(p.retention).toEqual({ time: '30d', size: '40GB' });
  });

  test('GIVEN only a volume size WHEN synthesized THEN the default size retention is 80% of it in Prometheus (power-of-2) units', () => {
    const { config, sts } = render({ storage: { volume: { size: '10Gi' } } });
    expect(config.storage.tsdb.retention.size).toBe('8GB');
    expect(prometheusSizeBytes('8GB')).toBeLessThan(10 * 2 ** 30);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
  });

  test.each([
    ['20GB', '20Gi'],
    ['25GB', '20Gi'],
    ['21GB', '21G'],
  ])('GIVEN retention.size %p and a %p volume WHEN constructing THEN it throws naming prometheus.retention.size', (size, volume) => {
    expect(() => render({ retention: { size }, storage: { volume: { size: volume } } })).toThrow(/prometheus\.retention\.size: "\d+GB" is invalid; allowed: a size smaller than the volume/);
  });

  test('GIVEN a retention size just under the volume WHEN constructing THEN it is accepted', () => {
    expect(render({ retention: { size: '19GB' }, storage: { volume: { size: '20Gi' } } }).config.storage.tsdb.retention.size).toBe('19GB');
  });
});

describe('Prometheus scrape configs and Kubernetes discovery RBAC', () => {
  test('GIVEN a pod-discovery job added after construction WHEN synthesized THEN the config holds it and a read-only ClusterRole on pods is bound to the service account', () => {
    const { objects, config, sts } = render({}, (p) => p.addScrapeConfig(podsJob));
    expect(config.scrape_configs.map((s: any) => s.job_name)).toEqual(['prometheus', 'kubernetes-pods']);
    expect(config.scrape_configs[1]).toEqual(podsJob);

    const role = find(objects, 'ClusterRole', 'telemetry-prometheus');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const binding = find(objects, 'ClusterRoleBinding', 'telemetry-prometheus');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sts.spec.template.spec.serviceAccountName, namespace: 'telemetry' }]);
    // Cluster-scoped objects carry no namespace.
    expect(role.metadata.namespace).toBeUndefined();
    expect(binding.metadata.namespace).toBeUndefined();

    expect(find(objects, 'ServiceAccount', 'prometheus').automountServiceAccountToken).toBe(true);
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
  });

  test('GIVEN endpointslice discovery with metadata WHEN synthesized THEN the ClusterRole grants exactly what that discovery lists and watches', () => {
    const { objects } = render({
      scrapeConfigs: [
        { job_name: 'slices', kubernetes_sd_configs: [{ role: 'endpointslice', attach_metadata: { node: true, namespace: true } }] },
        { job_name: 'pods', kubernetes_sd_configs: [{ role: 'pod', attach_metadata: { deployment: true, cronjob: true } }] },
      ],
    });
    expect(find(objects, 'ClusterRole', 'telemetry-prometheus').rules).toEqual([
      { apiGroups: [''], resources: ['namespaces', 'nodes', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('GIVEN the roles WHEN mapped to permissions THEN each names the objects its discovery watches', () => {
    const rulesFor = (role: any) => discoveryPolicyRules([{ job_name: 'x', kubernetes_sd_configs: [{ role }] }]);
    expect(rulesFor('service')).toEqual([{ apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch'] }]);
    expect(rulesFor('endpoints')).toEqual([{ apiGroups: [''], resources: ['endpoints', 'pods', 'services'], verbs: ['get', 'list', 'watch'] }]);
    expect(rulesFor('node')).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }]);
    expect(rulesFor('ingress')).toEqual([{ apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] }]);
    expect(discoveryPolicyRules([{ job_name: 'x', static_configs: [{ targets: ['a:1'] }] }])).toEqual([]);
  });

  test('GIVEN a second Kubernetes job added later WHEN synthesized THEN one ClusterRole covers both', () => {
    const { objects } = render({}, (p) => {
      p.addScrapeConfig(podsJob);
      p.addScrapeConfig({ job_name: 'services', kubernetes_sd_configs: [{ role: 'service' }] });
    });
    expect(objects.filter((o) => o.kind === 'ClusterRole')).toHaveLength(1);
    expect(find(objects, 'ClusterRole', 'telemetry-prometheus').rules[0].resources).toEqual(['pods', 'services']);
  });

  test('GIVEN a job added after construction WHEN synthesized THEN the pod checksum covers the final config', () => {
    const without = render();
    const withJob = render({}, (p) => p.addScrapeConfig(podsJob));
    const annotation = (r: ReturnType<typeof render>) => r.sts.spec.template.metadata.annotations['checksum/config'];
    expect(annotation(withJob)).not.toBe(annotation(without));
    expect(annotation(withJob)).toBe(withJob.p.workload.configChecksum);
    expect(annotation(withJob)).toBe(configChecksum(`prometheus.yml\n${withJob.configMap.data['prometheus.yml']}`, []));
  });
});

describe('Prometheus rules', () => {
  test('GIVEN a rule set WHEN synthesized THEN ConfigMap <name>-rules-<set> holds the groups and is projected where rule_files looks', () => {
    const { objects, sts, config } = render({}, (p) => p.addRules('slo', sloGroups));
    const cm = find(objects, 'ConfigMap', 'prometheus-rules-slo');
    expect(parseYaml(cm.data['rules.yaml'])).toEqual({ groups: sloGroups });

    const volume = sts.spec.template.spec.volumes.find((v: any) => v.projected);
    expect(volume.projected.sources).toEqual([{ configMap: { name: 'prometheus-rules-slo', items: [{ key: 'rules.yaml', path: 'slo.yaml' }] } }]);
    const mount = mountOf(sts, volume.name);
    expect(mount.readOnly).toBe(true);
    // The projected file lands at <mountPath>/slo.yaml, which the rule_files glob matches.
    const glob: string = config.rule_files[0];
    expect(glob).toBe(PROMETHEUS_RULE_FILES_GLOB);
    expect(glob).toBe(`${mount.mountPath}/*.yaml`);
    expect(volume.projected.sources[0].configMap.items[0].path).toMatch(/^[^/]+\.yaml$/);
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('GIVEN changed rules WHEN synthesized THEN the pod checksum changes', () => {
    const a = render({}, (p) => p.addRules('slo', sloGroups)).sts.spec.template.metadata.annotations['checksum/config'];
    const b = render({}, (p) => p.addRules('slo', [{ name: 'availability', rules: [{ record: 'job:up:sum', expr: 'sum by (job) (up)' }] }])).sts.spec
      .template.metadata.annotations['checksum/config'];
    const none = render().sts.spec.template.metadata.annotations['checksum/config'];
    expect(new Set([a, b, none]).size).toBe(3);
  });

  test('GIVEN two rule sets WHEN synthesized THEN both are projected as separate files', () => {
    const { sts, p } = render({}, (x) => {
      x.addRules('slo', sloGroups);
      x.addRules('k8s', [{ name: 'k8s', rules: [{ alert: 'Always', expr: 'vector(1)' }] }]);
    });
    const sources = sts.spec.template.spec.volumes.find((v: any) => v.projected).projected.sources;
    expect(sources.map((s: any) => s.configMap.items[0].path)).toEqual(['slo.yaml', 'k8s.yaml']);
    expect(p.ruleConfigMapNames).toEqual(['prometheus-rules-slo', 'prometheus-rules-k8s']);
  });

  test('GIVEN no rules WHEN synthesized THEN the rules volume is an empty projection (valid, and nothing matches the glob)', () => {
    const { sts } = render();
    expect(sts.spec.template.spec.volumes.find((v: any) => v.name === 'rules')).toEqual({ name: 'rules', projected: {} });
  });
});

describe('Prometheus config builder', () => {
  test('GIVEN options WHEN built THEN the object is exactly the documented keys', () => {
    expect(
      prometheusConfig({
        scrapeInterval: '15s',
        evaluationInterval: '1m',
        externalLabels: { cluster: 'demo' },
        retentionTime: '7d',
        outOfOrderTimeWindow: '10m',
        maxExemplars: 5000,
        otlp: { promoteResourceAttributes: ['service.name'], translationStrategy: 'NoUTF8EscapingWithSuffixes', keepIdentifyingResourceAttributes: false },
        selfTarget: 'localhost:9090',
        scrapeConfigs: [],
      }),
    ).toEqual({
      global: {
        scrape_interval: '15s',
        evaluation_interval: '1m',
        scrape_protocols: ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'],
        scrape_native_histograms: true,
        always_scrape_classic_histograms: true,
        external_labels: { cluster: 'demo' },
      },
      rule_files: ['/etc/prometheus/rules/*.yaml'],
      otlp: { promote_resource_attributes: ['service.name'], translation_strategy: 'NoUTF8EscapingWithSuffixes', keep_identifying_resource_attributes: false },
      storage: { tsdb: { out_of_order_time_window: '10m', retention: { time: '7d' } }, exemplars: { max_exemplars: 5000 } },
      scrape_configs: [{ job_name: 'prometheus', static_configs: [{ targets: ['localhost:9090'] }] }],
    });
  });
});

describe('Prometheus validation', () => {
  function problemsOf(fn: () => unknown): { field: string; value: unknown }[] {
    try {
      fn();
    } catch (e) {
      if (e instanceof ValidationError) return e.problems.map((p) => ({ field: p.field, value: p.value }));
      throw e;
    }
    throw new Error('expected a ValidationError');
  }

  test.each<[string, PrometheusProps, string, unknown]>([
    ['a non-Prometheus duration', { retention: { time: '15days' } }, 'prometheus.retention.time', '15days'],
    ['units out of order', { retention: { time: '1h1d' } }, 'prometheus.retention.time', '1h1d'],
    ['a Kubernetes quantity as size', { retention: { size: '10Gi' } }, 'prometheus.retention.size', '10Gi'],
    ['a bad scrape interval', { scrapeInterval: '30' }, 'prometheus.scrapeInterval', '30'],
    ['a zero OOO window', { outOfOrderTimeWindow: '0s' }, 'prometheus.outOfOrderTimeWindow', '0s'],
    ['a bad translation strategy', { otlp: { translationStrategy: 'Dots' as any } }, 'prometheus.otlp.translationStrategy', 'Dots'],
    ['a bad external label name', { externalLabels: { 'k8s.cluster': 'x' } }, 'prometheus.externalLabels["k8s.cluster"]', undefined],
    ['a bad volume size', { storage: { volume: { size: 'big' } } }, 'prometheus.storage.volume.size', 'big'],
    ['a limit under the request', { resources: { limits: { memory: '512Mi' } } }, 'prometheus.resources.limits.memory', '512Mi'],
    ['an invalid name', { name: 'Prometheus' }, 'prometheus.name', 'Prometheus'],
    ['a reserved job name', { scrapeConfigs: [{ job_name: 'prometheus' }] }, 'prometheus.scrapeConfigs[0].job_name', 'prometheus'],
    [
      'a duplicate job name',
      { scrapeConfigs: [{ job_name: 'a' }, { job_name: 'a' }] },
      'prometheus.scrapeConfigs[1].job_name',
      'a',
    ],
    [
      'an unknown discovery role',
      { scrapeConfigs: [{ job_name: 'a', kubernetes_sd_configs: [{ role: 'deployment' as any }] }] },
      'prometheus.scrapeConfigs[0].kubernetes_sd_configs[0].role',
      'deployment',
    ],
    [
      'a replace without target_label',
      { scrapeConfigs: [{ job_name: 'a', relabel_configs: [{ source_labels: ['x'] }] }] },
      'prometheus.scrapeConfigs[0].relabel_configs[0].target_label',
      undefined,
    ],
    [
      'a timeout above the interval',
      { scrapeConfigs: [{ job_name: 'a', scrape_interval: '10s', scrape_timeout: '15s' }] },
      'prometheus.scrapeConfigs[0].scrape_timeout',
      '15s',
    ],
    [
      'an unknown scrape protocol',
      { scrapeConfigs: [{ job_name: 'a', scrape_protocols: ['Protobuf' as any] }] },
      'prometheus.scrapeConfigs[0].scrape_protocols',
      ['Protobuf'],
    ],
  ])('GIVEN %s WHEN constructing THEN it throws naming the field and value', (_what, props, field, value) => {
    expect(problemsOf(() => render(props))).toContainEqual({ field, value });
  });

  test('GIVEN invalid props WHEN constructing THEN the message names field, value and what is allowed, and nothing was created', () => {
    const chart = newChart();
    expect(() => new Prometheus(chart, 'prometheus', { retention: { time: '2 weeks' } })).toThrow(
      /in Prometheus props:\n {2}- prometheus\.retention\.time: "2 weeks" is invalid; allowed: a duration such as/,
    );
    expect(chart.node.tryFindChild('prometheus')).toBeUndefined();
  });

  test('GIVEN addScrapeConfig with a duplicate or invalid job WHEN called THEN it throws naming the job and field', () => {
    const chart = newChart();
    const p = new Prometheus(chart, 'prometheus');
    p.addScrapeConfig(podsJob);
    expect(() => p.addScrapeConfig(podsJob)).toThrow(/prometheus\.addScrapeConfig\("kubernetes-pods"\)\.job_name: "kubernetes-pods" is invalid; allowed: a job name not used yet/);
    expect(() => p.addScrapeConfig({ job_name: 'h', relabel_configs: [{ action: 'hashmod', target_label: 't' }] })).toThrow(
      /prometheus\.addScrapeConfig\("h"\)\.relabel_configs\[0\]\.modulus: undefined \(missing\) is invalid; allowed: a positive integer/,
    );
    expect(() => p.addScrapeConfig({ job_name: 's', static_configs: [{ targets: ['http://app:8080/metrics'] }] })).toThrow(
      /static_configs\[0\]\.targets: \["http:\/\/app:8080\/metrics"\] is invalid/,
    );
    expect(p.scrapeJobs.map((j) => j.job_name)).toEqual(['kubernetes-pods']);
  });

  test.each<[string, RuleGroup[], string]>([
    ['no groups', [], 'prometheus.addRules("x").groups'],
    ['a rule with both record and alert', [{ name: 'g', rules: [{ record: 'a', alert: 'b', expr: 'up' } as any] }], 'prometheus.addRules("x").groups[0].rules[0]'],
    ['a rule with neither', [{ name: 'g', rules: [{ expr: 'up' } as any] }], 'prometheus.addRules("x").groups[0].rules[0]'],
    ['an empty expression', [{ name: 'g', rules: [{ alert: 'A', expr: '' }] }], 'prometheus.addRules("x").groups[0].rules[0].expr'],
    ['a bad for duration', [{ name: 'g', rules: [{ alert: 'A', expr: 'up', for: '5 minutes' }] }], 'prometheus.addRules("x").groups[0].rules[0].for'],
    ['for on a recording rule', [{ name: 'g', rules: [{ record: 'a:b', expr: 'up', for: '5m' } as any] }], 'prometheus.addRules("x").groups[0].rules[0].for'],
    ['a bad record name', [{ name: 'g', rules: [{ record: 'a-b', expr: 'up' }] }], 'prometheus.addRules("x").groups[0].rules[0].record'],
    [
      'duplicate group names',
      [
        { name: 'g', rules: [{ record: 'a', expr: 'up' }] },
        { name: 'g', rules: [{ record: 'b', expr: 'up' }] },
      ],
      'prometheus.addRules("x").groups[].name',
    ],
  ])('GIVEN %s WHEN adding rules THEN it throws naming the offending field', (_what, groups, field) => {
    const p = new Prometheus(newChart(), 'prometheus');
    expect(problemsOf(() => p.addRules('x', groups)).map((x) => x.field)).toContain(field);
    expect(p.ruleConfigMapNames).toEqual([]);
  });

  test('GIVEN a rule set name used twice or not a DNS label WHEN adding rules THEN it throws naming prometheus.addRules.name', () => {
    const p = new Prometheus(newChart(), 'prometheus');
    p.addRules('slo', sloGroups);
    expect(() => p.addRules('slo', sloGroups)).toThrow(/prometheus\.addRules\.name: "slo" is invalid; allowed: a name not used yet \(have "slo"\)/);
    expect(() => p.addRules('SLO_rules', sloGroups)).toThrow(/prometheus\.addRules\.name: "SLO_rules" is invalid; allowed: a DNS-1035 label/);
  });
});

describe('Prometheus snapshot', () => {
  test('GIVEN a Prometheus with a discovery job and a rule set WHEN synthesized THEN the manifests match the snapshot', () => {
    const { objects } = render({ externalLabels: { cluster: 'demo' } }, (p) => {
      p.addScrapeConfig(podsJob);
      p.addRules('slo', sloGroups);
    });
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
    expect(objects).toMatchSnapshot();
  });
});
