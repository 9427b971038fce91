/**
 * The one config model, end to end: every example and every documented option
 * is accepted by the schema and builds; the JSON Schema validator (the config
 * file path) and the constructs (the library path) agree on a generated sample
 * of edge values; the six construct props that once could not be reached from
 * a config file now can.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { TSchema } from '../lib/schema';
import { ValidationError } from '../lib/validation';
import { TelemetryBackends } from '../stacks/backends';
import { buildApp, checkRendered } from '../stacks/build';
import { TelemetryCollection } from '../stacks/collection';
import { CONFIG_SCHEMA, configProblems, LgtmConfig, validateConfig } from '../stacks/config';
import { loadConfigFile } from '../stacks/load';
import { perClusterSections } from '../stacks/props';
import { renderApp } from '../stacks/render';
import { configFields } from '../stacks/schema';
import { KGATEWAY_VERSION_PATTERN } from '../components/gateway-policies';
import {
  CIDR_PATTERN,
  COLLECTOR_METRIC_NAME_PATTERN,
  DNS1035_LABEL_PATTERN,
  DNS1123_LABEL_PATTERN,
  DNS1123_SUBDOMAIN_PATTERN,
  DURATION_PATTERN,
  HOST_PATTERN,
  HOST_PORT_PATTERN,
  OTEL_ATTRIBUTE_PATTERN,
  PROMETHEUS_SIZE_PATTERN,
  QUANTITY_PATTERN,
  SECRET_KEY_PATTERN,
  STACK_NAMESPACE_PATTERN,
} from '../lib/values';

const EXAMPLES = path.resolve(__dirname, '..', 'examples');

/** Builds and renders configs exactly as `npm run synth` does (without writing). */
function synth(...configs: { source: string; config: LgtmConfig }[]) {
  const files = renderApp(buildApp(configs));
  for (const f of files) checkRendered(f.objects, f.fileName, 'test');
  return files;
}

// ---------------------------------------------------------------------------
// A sample value for every documented option, generated from the schema
// ---------------------------------------------------------------------------

/** Valid sample strings by pattern (the grammar module's patterns). */
const BY_PATTERN: Record<string, string> = {
  [DURATION_PATTERN]: '48h',
  [DNS1035_LABEL_PATTERN]: 'sample',
  [DNS1123_LABEL_PATTERN]: 'sample',
  [DNS1123_SUBDOMAIN_PATTERN]: 'sample-name',
  [STACK_NAMESPACE_PATTERN]: 'observability',
  [SECRET_KEY_PATTERN]: 'key',
  [HOST_PATTERN]: 'otlp.example.com',
  [HOST_PORT_PATTERN]: 's3.example.com:9000',
  [OTEL_ATTRIBUTE_PATTERN]: 'k8s.node.name',
  [COLLECTOR_METRIC_NAME_PATTERN]: 'up',
  [PROMETHEUS_SIZE_PATTERN]: '1GB',
  [CIDR_PATTERN]: '10.0.0.0/8',
  [KGATEWAY_VERSION_PATTERN]: '2.2',
};

/** Values that depend on where the field is (a Loki and a Tempo bucket must differ, requests and limits must fit, ...). */
function byPath(p: string): unknown {
  if (/\.cpu$/.test(p)) return '500m';
  if (/\.memory$/.test(p)) return '512Mi';
  if (/volume\.size$/.test(p)) return '5Gi';
  if (p.endsWith('.bucket')) return p.startsWith('loki') ? 'sample-logs' : 'sample-traces';
  if (p.endsWith('.region')) return 'eu-west-1';
  if (p === 'loki.retention') return '48h';
  if (p === 'loki.tenant') return 'team-a';
  if (p === 'loki.schemaFrom') return '2024-05-01';
  if (p === 'grafana.rootUrl') return 'https://grafana.example.com/';
  if (p === 'grafana.replicas') return 1;
  if (p === 'grafana.adminSecret.userKey') return 'user';
  if (p === 'grafana.adminSecret.passwordKey') return 'password';
  if (p === 'tempo.traceqlMetrics') return false;
  if (p === 'prometheus.otlp.translationStrategy') return 'NoTranslation';
  if (p === 'prometheus.maxExemplars') return 1000;
  if (p.endsWith('samplingPercent')) return 10;
  if (p.endsWith('.port')) return 4318;
  if (p.endsWith('serviceName')) return 'edge';
  if (p.endsWith('.mode')) return 'Deployment';
  if (p.endsWith('.replicas')) return 2;
  if (p.endsWith('.serviceType')) return 'NodePort';
  if (p.endsWith('.api')) return 'ListenerPolicy';
  if (p === 'multiCluster.management.name') return 'mgmt';
  if (p === 'multiCluster.workloadClusters[].name') return 'workload-1';
  if (p.endsWith('.metricsExport')) return p.startsWith('multiCluster') ? 'push' : 'pull';
  if (/[qQ]ueue\.size$/.test(p)) return '1Gi';
  if (/[qQ]ueue\.storage$/.test(p)) return 'persistentVolumeClaim';
  if (p === 'networkPolicy.allow[].workload') return 'grafana';
  return undefined;
}

function sample(s: TSchema, p: string): unknown {
  const fixed = byPath(p);
  if (fixed !== undefined) return fixed;
  if (Array.isArray(s.enum)) return s.enum[0];
  switch (s.type) {
    case 'object':
      if (s.patternProperties) return p.endsWith('Annotations') ? { 'example.com/lb': 'internal' } : { region: 'eu-west-1' };
      return Object.fromEntries(Object.entries<TSchema>(s.properties ?? {}).filter(([k]) => k !== '$schema').map(([k, x]) => [k, sample(x, p === '' ? k : `${p}.${k}`)]));
    case 'array':
      return [sample(s.items as TSchema, `${p}[]`)];
    case 'string': {
      const v = BY_PATTERN[s.pattern];
      if (v === undefined) throw new Error(`no sample for ${p} (pattern ${s.pattern})`);
      return v;
    }
    case 'integer':
      return Math.max(1, s.minimum ?? 1);
    case 'boolean':
      return true;
    default:
      throw new Error(`no sample for ${p}`);
  }
}

/** The config with every documented option set, for one layout. */
function everything(layout: 'per-cluster' | 'multi-cluster'): LgtmConfig {
  const all = sample(CONFIG_SCHEMA, '') as any;
  all.layout = layout;
  // An extra allow is either ingress (from pods) or egress (to address blocks): one of each, one per layout.
  const [allow] = all.networkPolicy.allow;
  const peer = (side: 'from' | 'to') => (side === 'from' ? { namespaces: allow.from.namespaces, podLabels: allow.from.podLabels } : { cidrs: allow.to.cidrs });
  if (layout === 'per-cluster') {
    delete all.multiCluster;
    // The queue towards a telemetry gateway exists in multi-cluster layouts only.
    delete all.collectors.gatewayQueue;
    all.networkPolicy.allow = [
      { ...allow, to: undefined, from: peer('from') },
      { ...allow, from: undefined, to: peer('to') },
    ];
  } else {
    delete all.clusterName;
    delete all.gatewayPolicies;
    all.networkPolicy.allow = [
      { ...allow, to: undefined, from: { cidrs: allow.from.cidrs } },
      { ...allow, from: undefined, to: { namespaces: allow.to.namespaces, podLabels: allow.to.podLabels } },
    ];
  }
  return JSON.parse(JSON.stringify(all));
}

/** The value at a documented path (`a.b[].c`: the first entry that has it). */
function at(config: unknown, p: string): unknown {
  const [seg, ...rest] = p.split('.');
  const list = seg.endsWith('[]');
  const next = (config as any)?.[list ? seg.slice(0, -2) : seg];
  if (rest.length === 0) return list ? next?.[0] : next;
  const tail = rest.join('.');
  if (!list) return at(next, tail);
  return (Array.isArray(next) ? next : []).map((e) => at(e, tail)).find((v) => v !== undefined);
}

describe('round trip: examples and every documented option', () => {
  test.each(fs.readdirSync(EXAMPLES))('GIVEN example %s WHEN validated and built THEN it is accepted and renders', (file) => {
    const sourced = loadConfigFile(path.join(EXAMPLES, file));
    expect(configProblems(parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')))).toEqual([]);
    expect(synth(sourced).length).toBeGreaterThan(0);
  });

  test.each(['per-cluster', 'multi-cluster'] as const)('GIVEN every documented option set (%s) WHEN validated and built THEN the schema accepts it and it renders', (layout) => {
    const config = everything(layout);
    expect(configProblems(config)).toEqual([]);
    const files = synth({ source: `everything-${layout}.yaml`, config: validateConfig(config) });
    expect(files.length).toBe(layout === 'per-cluster' ? 1 : 2);
  });

  test('GIVEN the documented options WHEN the two sample configs are read THEN every one of them is set in one of them', () => {
    const configs = [everything('per-cluster'), everything('multi-cluster')];
    const unset = configFields()
      .map((f) => f.path)
      .filter((p) => configs.every((c) => at(c, p) === undefined));
    expect(unset).toEqual([]);
    expect(configFields().length).toBeGreaterThan(150);
  });

  test('GIVEN the six props once unreachable from a config file WHEN set in a config THEN each reaches the rendered program config', () => {
    const [file] = synth({ source: 'six.yaml', config: validateConfig(everything('per-cluster')) });
    const cm = (name: string) => file.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name).data;
    const loki = parse(cm('loki-config')['config.yaml']);
    const tempo = parse(cm('tempo-config')['tempo.yaml']);
    const prom = parse(cm('prometheus-config')['prometheus.yml']);
    const grafana = file.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'grafana');
    expect(grafana.spec.template.spec.containers[0].env).toContainEqual({ name: 'GF_SERVER_ROOT_URL', value: 'https://grafana.example.com/' });
    expect(loki.limits_config.otlp_config.resource_attributes.attributes_config).toEqual([{ action: 'index_label', attributes: ['k8s.node.name'] }]);
    expect(loki.schema_config.configs[0].from).toBe('2024-05-01');
    expect(tempo.overrides.defaults.metrics_generator.processors).not.toContain('local-blocks');
    expect(prom.otlp).toEqual({ promote_resource_attributes: ['k8s.node.name'], translation_strategy: 'NoTranslation', keep_identifying_resource_attributes: true });
    expect(prom.global.external_labels).toEqual({ region: 'eu-west-1' });
  });

  test('GIVEN tempo.retention in days WHEN built THEN the schema accepts it and Tempo gets the Go duration', () => {
    const config = validateConfig({ layout: 'per-cluster', clusterName: 'c1', tempo: { retention: '30d' } });
    const [file] = synth({ source: 'days.yaml', config });
    const tempo = parse(file.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'tempo-config').data['tempo.yaml']);
    expect(tempo.compactor.compaction.block_retention).toBe('720h');
  });
});

// ---------------------------------------------------------------------------
// The schema (config file path) and the constructs (library path) agree
// ---------------------------------------------------------------------------

const EDGE: Record<string, unknown[]> = {
  duration: ['', '0s', '1ms', '4m59s', '5m', '23h59m', '24h', '48h', '1y', '292y', '293y', '1.5h', '1h1h', '30 days', 30, null],
  quantity: ['', '0', '0.0', '1', '100m', '0.5', '1Gi', '1GB', '-1Gi', 1, null],
  name: ['', 'a', 'A', 'a-', 'a.b', 'a_b', 'x'.repeat(63), 'x'.repeat(64), 7],
  integer: [-1, 0, 1, 2, 50, 51, 100, 101, 65536, 1.5, '1', null],
  boolean: [true, false, 'true', 0, null],
  list: [[], ['up'], ['up', 'up'], 'up', [1], ['a b']],
};

/** The fields whose constructs check them, with their edge-value family. */
const FIELDS: [string, keyof typeof EDGE | unknown[]][] = [
  ['loki.retention', [...EDGE.duration, 'forever']],
  ['loki.tenant', ['', 'a', '.', '..', 'a|b', 'x'.repeat(150), 'x'.repeat(151)]],
  ['loki.schemaFrom', ['2024-04-01', '2024-02-30', '2999-01-01', '2024-4-1', 20240401]],
  ['loki.otlpIndexLabels', 'list'],
  ['loki.storage.volume.size', 'quantity'],
  ['loki.storage.volume.storageClassName', 'name'],
  ['loki.resources.requests.memory', 'quantity'],
  ['loki.resources.limits.cpu', 'quantity'],
  ['tempo.retention', 'duration'],
  ['tempo.traceqlMetrics', 'boolean'],
  ['tempo.logLevel', ['debug', 'info', 'trace', 'INFO', null]],
  ['prometheus.retention.time', 'duration'],
  ['prometheus.retention.size', ['1GB', '19GB', '20GB', '0GB', '10Gi', '1.5GB', 10]],
  ['prometheus.storage.volume.size', ['1Gi', '10Gi', '20Gi', '0', 'big']],
  ['prometheus.scrapeInterval', 'duration'],
  ['prometheus.evaluationInterval', 'duration'],
  ['prometheus.outOfOrderTimeWindow', 'duration'],
  ['prometheus.maxExemplars', 'integer'],
  ['prometheus.otlp.promoteResourceAttributes', 'list'],
  ['prometheus.otlp.translationStrategy', ['NoTranslation', 'Dots', null]],
  ['prometheus.externalLabels', [{}, { region: 'eu' }, { 'k8s.cluster': 'x' }, { __x: 'y' }, { region: 1 }, 'region=eu']],
  ['grafana.replicas', 'integer'],
  ['grafana.rootUrl', ['https://g.example.com/', 'http://g:3000', 'g.example.com', 'ftp://g', '']],
  ['grafana.adminSecret.name', 'name'],
  ['grafana.adminSecret.userKey', ['admin-user', 'admin-password', 'a b', '']],
  ['collectors.replicas', 'integer'],
  ['collectors.mode', ['Deployment', 'DaemonSet', 'StatefulSet', null]],
  ['collectors.metricsExport', ['push', 'pull', 'scrape']],
  ['collectors.debug', 'boolean'],
  ['collectors.resources.requests.memory', 'quantity'],
  ['agents.metricAllowlist', 'list'],
  ['agents.enabled', 'boolean'],
  ['gatewayPolicies.samplingPercent', 'integer'],
  ['gatewayPolicies.api', ['HTTPListenerPolicy', 'ListenerPolicy', 'TrafficPolicy']],
  ['gatewayPolicies.gateways', [[], [{ name: 'h', namespace: 'g' }], [{ name: 'h' }], [{ name: 'h', namespace: 'g' }, { name: 'h', namespace: 'g' }], [{ name: 'H', namespace: 'g' }]]],
];

function setAt(config: any, p: string, value: unknown): void {
  const segs = p.split('.');
  let cur = config;
  for (const s of segs.slice(0, -1)) cur = cur[s] ??= {};
  cur[segs[segs.length - 1]] = value;
}

/** Builds the components a per-cluster config's sections configure, straight from the sections (no config validation). */
function constructsAccept(config: LgtmConfig): boolean {
  const app = new App();
  const chart = new Chart(app, 'agree', { namespace: 'telemetry', disableResourceNameHashes: true });
  try {
    const { backends, collection } = perClusterSections(config);
    const b = new TelemetryBackends(chart, 'backends', backends!);
    new TelemetryCollection(chart, 'collection', { ...collection, namespace: 'telemetry', destination: { backends: b } });
    return true;
  } catch (e) {
    if (e instanceof ValidationError) return false;
    throw e;
  }
}

describe('the schema and the constructs agree on edge values', () => {
  const samples = FIELDS.flatMap(([field, family]) => (Array.isArray(family) ? family : EDGE[family]).map((value) => [field, value] as const));

  test.each(samples)('GIVEN %s = %j WHEN checked by the config validator and by the constructs THEN both accept or both refuse', (field, value) => {
    const config: any = { layout: 'per-cluster', clusterName: 'c1' };
    setAt(config, field, value);
    const byConfig = configProblems(config).length === 0;
    const byConstructs = constructsAccept(config);
    expect({ field, value, byConfig }).toEqual({ field, value, byConfig: byConstructs });
  });

  test('GIVEN the generated sample WHEN counted THEN both outcomes occur (the test can fail)', () => {
    const outcomes = new Set(samples.map(([field, value]) => {
      const config: any = { layout: 'per-cluster', clusterName: 'c1' };
      setAt(config, field, value);
      return configProblems(config).length === 0;
    }));
    expect([...outcomes].sort()).toEqual([false, true]);
    expect(samples.length).toBeGreaterThan(250);
  });
});

describe('limits only known after rendering', () => {
  const cm = (bytes: number, kind = 'ConfigMap') => ({ apiVersion: 'v1', kind, metadata: { name: 'big', namespace: 'telemetry' }, data: { k: 'x'.repeat(bytes - 1) } });

  test('GIVEN a ConfigMap of exactly 1 MiB of data WHEN checked THEN it passes', () => {
    expect(() => checkRendered([cm(1024 * 1024)], 'per-cluster-x.k8s.yaml', 'x.yaml')).not.toThrow();
  });

  test.each(['ConfigMap', 'Secret'])('GIVEN a %s one byte over 1 MiB WHEN checked THEN the error names the file, the object, its size and the limit', (kind) => {
    expect(() => checkRendered([cm(1024 * 1024 + 1, kind)], 'per-cluster-x.k8s.yaml', 'x.yaml')).toThrow(
      `Invalid configuration in x.yaml:\n  - (rendered per-cluster-x.k8s.yaml) ${kind} telemetry/big: "1048577 bytes" is invalid; allowed: at most 1048576 bytes of data`,
    );
  });
});
