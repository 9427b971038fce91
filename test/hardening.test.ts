/**
 * Disruption and rollout, the durable multi-cluster hop, the silent failures
 * of issue 12, and the kgateway version: each asserted on what is rendered.
 */
import * as path from 'path';
import { parse } from 'yaml';
import { collectorTerminationGraceSeconds, LogsCollector, MetricsCollector, NodeAgent, TracesCollector } from '../components/collector';
import { durableQueue, queueRules } from '../components/collector/queue';
import { GatewayTelemetryPolicies, policyApiFor } from '../components/gateway-policies';
import { Loki } from '../components/loki';
import { Prometheus } from '../components/prometheus';
import { Tempo } from '../components/tempo';
import { ValidationError } from '../lib/validation';
import { buildApp } from '../stacks/build';
import { LgtmConfig, validateConfig } from '../stacks/config';
import { loadConfigFile } from '../stacks/load';
import { renderApp, RenderedFile } from '../stacks/render';
import { newChart, synth } from './support/synth';

const EXAMPLES = path.resolve(__dirname, '..', 'examples');

function render(config: LgtmConfig): RenderedFile[] {
  return renderApp(buildApp([{ source: 'test.yaml', config: validateConfig(config) }]));
}
function example(file: string): RenderedFile[] {
  return renderApp(buildApp([loadConfigFile(path.join(EXAMPLES, file))]));
}
const ALL = ['single-node.yaml', 'per-cluster.yaml', 'multi-cluster.yaml'].flatMap(example);
const MULTI = loadConfigFile(path.join(EXAMPLES, 'multi-cluster.yaml')).config;

const workloads = (objects: any[]) => objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind));
const get = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const collectorConfigOf = (objects: any[], name: string) => parse(get(objects, 'ConfigMap', `${name}-config`).data['config.yaml']);

describe('disruption budgets and spread', () => {
  test.each(ALL.map((f) => [f.fileName, f] as const))('GIVEN %s WHEN read THEN every workload with more than one replica has a PodDisruptionBudget over exactly its pods and spreads over zones and nodes', (_n, f) => {
    const pdbs = f.objects.filter((o) => o.kind === 'PodDisruptionBudget');
    for (const w of workloads(f.objects)) {
      const replicated = w.kind !== 'DaemonSet' && (w.spec.replicas ?? 1) > 1;
      const budget = pdbs.filter((p) => JSON.stringify(p.spec.selector) === JSON.stringify(w.spec.selector));
      expect({ w: w.metadata.name, budgets: budget.length }).toEqual({ w: w.metadata.name, budgets: replicated ? 1 : 0 });
      if (!replicated) {
        expect(w.spec.template.spec.topologySpreadConstraints).toBeUndefined();
        continue;
      }
      expect(budget[0].spec).toEqual({ maxUnavailable: 1, selector: w.spec.selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
      const spread = w.spec.template.spec.topologySpreadConstraints;
      expect(spread.map((c: any) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      for (const c of spread) expect(c).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: w.spec.selector });
    }
    expect(pdbs.length).toBe(workloads(f.objects).filter((w) => w.kind !== 'DaemonSet' && (w.spec.replicas ?? 1) > 1).length);
  });

  test('GIVEN the per-cluster example (two logs and traces replicas) WHEN read THEN exactly those two have budgets', () => {
    const [f] = example('per-cluster.yaml');
    expect(f.objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name).sort()).toEqual(['otel-logs', 'otel-traces']);
  });
});

describe('rollouts', () => {
  test('GIVEN the node agent WHEN read THEN it tolerates every taint and starts a node’s new pod before stopping the old one', () => {
    const [f] = example('per-cluster.yaml');
    const agent = get(f.objects, 'DaemonSet', 'otel-agent');
    expect(agent.spec.template.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(agent.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  test('GIVEN a node agent that scrapes pods WHEN read THEN its old pod stops first, so no target is scraped twice', () => {
    const chart = newChart('edge');
    new NodeAgent(chart, 'agent', {
      clusterName: 'edge',
      forwardTo: { gateway: { host: 'otel.example.com', ca: { name: 'ca', key: 'ca.crt' }, auth: { bearerToken: { name: 't', key: 'token' } } } },
    });
    expect(get(synth(chart), 'DaemonSet', 'otel-agent').spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  });

  test('GIVEN the metrics collector (Kubernetes discovery) WHEN read THEN it is never running twice during a rollout', () => {
    const [f] = example('per-cluster.yaml');
    expect(get(f.objects, 'Deployment', 'otel-metrics').spec.strategy).toEqual({ type: 'Recreate' });
    const [ds] = render({ layout: 'per-cluster', clusterName: 'c', collectors: { mode: 'DaemonSet' } });
    expect(get(ds.objects, 'DaemonSet', 'otel-metrics').spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  });

  test.each(ALL.map((f) => [f.fileName, f] as const))('GIVEN %s WHEN read THEN every collector has time to flush: its batch timeout plus two rounds of its slowest exporter plus 10 s', (_n, f) => {
    const goS = (d: string) => Number(/^(\d+)s$/.exec(d)![1]);
    for (const w of workloads(f.objects).filter((x) => x.metadata.labels['app.kubernetes.io/name'] === 'opentelemetry-collector')) {
      const cfg = collectorConfigOf(f.objects, w.metadata.name);
      // One attempt: remote write's top-level timeout bounds its retry loop, one request is its http.timeout.
      const attempt = (id: string, e: any) => (id.startsWith('prometheus_remote_write') ? e.http.timeout : e.timeout);
      const timeouts = Object.entries<any>(cfg.exporters).map(([id, e]) => (attempt(id, e) ? goS(attempt(id, e)) : { otlp_http: 30, otlp_grpc: 5, debug: 0 }[id.split('/')[0]] ?? 5));
      const batch = goS(cfg.processors.batch.timeout);
      const grace = w.spec.template.spec.terminationGracePeriodSeconds;
      expect({ w: w.metadata.name, enough: grace >= batch + 2 * Math.max(...timeouts) + 10 && grace >= 30 }).toEqual({ w: w.metadata.name, enough: true });
      expect(grace).toBe(collectorTerminationGraceSeconds(cfg));
    }
    // Loki's exporter waits up to 30 s per attempt: 5 + 2 × 30 + 10.
    const logs = get(f.objects, 'Deployment', 'otel-logs');
    if (logs && collectorConfigOf(f.objects, 'otel-logs').exporters['otlp_http/loki']) expect(logs.spec.template.spec.terminationGracePeriodSeconds).toBe(75);
    // A remote-write collector flushes in 0.2 + 2 × 5 + 10 s: its 15-minute retry window is no flush time.
    const metrics = get(f.objects, 'Deployment', 'otel-metrics');
    if (metrics && collectorConfigOf(f.objects, 'otel-metrics').exporters['prometheus_remote_write/prometheus']) expect(metrics.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });
});

describe('the durable multi-cluster hop', () => {
  test('GIVEN the multi-cluster example WHEN read THEN every exporter of the hop queues on disk and retries for an hour', () => {
    const [mgmt, ...spokes] = example('multi-cluster.yaml');
    const cases = [
      ...spokes.flatMap((s) => ['otel-logs', 'otel-traces', 'otel-metrics'].map((name) => ({ f: s, name, gib: 2, files: 1 }))),
      { f: mgmt, name: 'otel-gateway', gib: 8, files: 3 },
    ];
    for (const c of cases) {
      const cfg = collectorConfigOf(c.f.objects, c.name);
      const exporters = Object.entries<any>(cfg.exporters).filter(([id]) => id !== 'debug');
      const maxSize = Math.floor((c.gib * 2 ** 30 * 0.9) / c.files);
      expect(cfg.extensions['file_storage/queue']).toEqual({ directory: '/var/lib/otelcol/queue', create_directory: true, timeout: '10s', max_size: maxSize });
      expect(cfg.service.extensions).toContain('file_storage/queue');
      for (const [id, e] of exporters) {
        expect({ id, queue: e.sending_queue }).toEqual({ id, queue: { enabled: true, num_consumers: 10, sizer: 'bytes', queue_size: Math.floor(maxSize / 2), storage: 'file_storage/queue' } });
        expect(e.retry_on_failure.max_elapsed_time).toBe('1h');
      }
      // The queue files never outgrow the volume: the kubelet would evict the pod.
      expect(maxSize * c.files).toBeLessThan(c.gib * 2 ** 30);
      const pod = get(c.f.objects, 'Deployment', c.name).spec.template.spec;
      expect(pod.volumes).toContainEqual({ name: 'queue', emptyDir: { sizeLimit: `${c.gib}Gi` } });
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'queue', mountPath: '/var/lib/otelcol/queue' });
    }
  });

  test('GIVEN the arithmetic WHEN a 10-minute outage is taken at the default rates THEN the queues hold it', () => {
    const tenMinutes = 600;
    const spoke = durableQueue(undefined, '2Gi', 1)!;
    const gateway = durableQueue(undefined, '8Gi', 3)!;
    // README: a workload collector holds 10 minutes at 1.5 MiB/s, the gateway 2 MiB/s per signal.
    expect(spoke.queue.queueBytes).toBeGreaterThanOrEqual(1.5 * 2 ** 20 * tenMinutes);
    expect(gateway.queue.queueBytes).toBeGreaterThanOrEqual(2 * 2 ** 20 * tenMinutes);
    expect(durableQueue({ storage: 'memory' }, '2Gi', 1)).toBeUndefined();
  });

  test('GIVEN PVC queues WHEN rendered THEN the workload collectors and the gateway are StatefulSets with a claim per replica', () => {
    const config = {
      ...MULTI,
      collectors: { gatewayQueue: { storage: 'persistentVolumeClaim', size: '5Gi', storageClassName: 'fast' } },
      multiCluster: { ...MULTI.multiCluster!, management: { ...MULTI.multiCluster!.management, telemetryGateway: { ...MULTI.multiCluster!.management.telemetryGateway, queue: { storage: 'persistentVolumeClaim' } } } },
    } as LgtmConfig;
    const [mgmt, spoke] = render(config);
    const gw = get(mgmt.objects, 'StatefulSet', 'otel-gateway');
    expect(gw.spec.replicas).toBe(2);
    expect(gw.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'queue' }, spec: { resources: { requests: { storage: '8Gi' } } } });
    expect(get(mgmt.objects, 'PodDisruptionBudget', 'otel-gateway')).toBeDefined();
    for (const name of ['otel-logs', 'otel-traces', 'otel-metrics']) {
      const sts = get(spoke.objects, 'StatefulSet', name);
      expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } });
      expect(sts.spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('queue');
      expect(sts.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'queue', mountPath: '/var/lib/otelcol/queue' });
    }
    // The management cluster's own collectors export to its backends: no queue volume.
    expect(get(mgmt.objects, 'Deployment', 'otel-logs').spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('queue');
  });

  test('GIVEN queue settings the hop cannot use WHEN validated THEN each is refused naming the field', () => {
    const problems = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as ValidationError).problems.map((p) => p.field);
      }
      return [];
    };
    expect(problems(() => validateConfig({ layout: 'per-cluster', clusterName: 'c', collectors: { gatewayQueue: {} } }))).toEqual(['collectors.gatewayQueue']);
    expect(problems(() => validateConfig({ ...MULTI, collectors: { mode: 'DaemonSet', gatewayQueue: { storage: 'persistentVolumeClaim' } } }))).toContain('collectors.gatewayQueue.storage');
    expect(problems(() => validateConfig({ ...MULTI, collectors: { gatewayQueue: { maxOutage: '5m' } } }))).toEqual(['collectors.gatewayQueue.maxOutage']);
    expect(queueRules('q', { storage: 'memory', size: '1Gi' }).filter((r) => r.value !== undefined && !r.ok(r.value)).map((r) => r.field)).toEqual(['q.size']);
    const chart = newChart();
    const loki = new Loki(chart, 'loki');
    expect(() => new LogsCollector(chart, 'logs', { loki, queue: { storage: 'emptyDir' } })).toThrow('logsCollector.queue: {"storage":"emptyDir"} is invalid; allowed: unset without logsCollector.gateway');
  });
});

describe('silent failures', () => {
  test('GIVEN the node agent WHEN read THEN replicas without service.instance.id get one (no series collide on remote write) and deltas are accumulated on the node', () => {
    const [f] = example('per-cluster.yaml');
    const cfg = collectorConfigOf(f.objects, 'otel-agent');
    expect(cfg.processors.k8s_attributes.extract.metadata).toContain('service.instance.id');
    expect(cfg.processors['resource/instance'].attributes).toEqual([{ key: 'service.instance.id', from_attribute: 'k8s.pod.uid', action: 'insert' }]);
    for (const p of Object.values<any>(cfg.service.pipelines)) {
      const i = p.processors.indexOf('k8s_attributes');
      expect(p.processors[i + 1]).toBe('resource/instance');
    }
    expect(cfg.service.pipelines.metrics.processors).toContain('delta_to_cumulative');
  });

  test.each(ALL.map((f) => [f.fileName, f] as const))('GIVEN %s WHEN metrics reach Prometheus THEN no path carries delta temporality into it', (_n, f) => {
    const prom = get(f.objects, 'StatefulSet', 'prometheus');
    if (prom) expect(prom.spec.template.spec.containers[0].args).toContain('--enable-feature=exemplar-storage,otlp-deltatocumulative');
    for (const w of workloads(f.objects).filter((x) => x.metadata.labels['app.kubernetes.io/name'] === 'opentelemetry-collector')) {
      const cfg = collectorConfigOf(f.objects, w.metadata.name);
      for (const [id, p] of Object.entries<any>(cfg.service.pipelines)) {
        // Remote write drops delta sums: every pipeline feeding it accumulates first.
        if (p.exporters.some((e: string) => e.startsWith('prometheus_remote_write'))) expect({ w: w.metadata.name, id, d2c: p.processors.includes('delta_to_cumulative') }).toEqual({ w: w.metadata.name, id, d2c: true });
      }
    }
  });

  test('GIVEN the telemetry gateway WHEN read THEN its gRPC receiver closes connections so a load balancer spreads clients', () => {
    const [mgmt] = example('multi-cluster.yaml');
    expect(collectorConfigOf(mgmt.objects, 'otel-gateway').receivers.otlp.protocols.grpc.keepalive).toEqual({ server_parameters: { max_connection_age: '1m', max_connection_age_grace: '30s' } });
  });

  test('GIVEN Tempo with TraceQL metrics WHEN read THEN local blocks are flushed to storage (queries older than 30 minutes see them)', () => {
    const chart = newChart();
    new Tempo(chart, 'tempo');
    const tempo = parse(get(synth(chart), 'ConfigMap', 'tempo-config').data['tempo.yaml']);
    expect(tempo.metrics_generator.processor.local_blocks.flush_to_storage).toBe(true);
  });
});

describe('the kgateway version', () => {
  const collectors = () => {
    const chart = newChart('telemetry');
    const loki = new Loki(chart, 'loki');
    const tempo = new Tempo(chart, 'tempo');
    return { chart, logs: new LogsCollector(chart, 'logs', { loki }), traces: new TracesCollector(chart, 'traces', { tempo }) };
  };

  test.each([
    ['2.0', 'HTTPListenerPolicy'],
    ['2.1', 'HTTPListenerPolicy'],
    ['2.1.4', 'HTTPListenerPolicy'],
    ['2.2', 'ListenerPolicy'],
    ['2.2.0', 'ListenerPolicy'],
    ['2.3', 'ListenerPolicy'],
    ['3.0', 'ListenerPolicy'],
  ])('GIVEN kgateway %s WHEN policies are rendered THEN they are %s', (version, kind) => {
    expect(policyApiFor(version)).toBe(kind);
    const { chart, logs, traces } = collectors();
    new GatewayTelemetryPolicies(chart, 'gw', { kgatewayVersion: version, gateways: [{ name: 'http', namespace: 'kgateway-system' }], logs, traces });
    expect(synth(chart).filter((o) => /ListenerPolicy$/.test(o.kind)).map((o) => o.kind)).toEqual([kind, kind]);
  });

  test('GIVEN no version WHEN policies are rendered THEN kgateway 2.2 is assumed: ListenerPolicy', () => {
    const { chart, logs } = collectors();
    new GatewayTelemetryPolicies(chart, 'gw', { gateways: [{ name: 'http', namespace: 'kgateway-system' }], logs });
    expect(synth(chart).filter((o) => /ListenerPolicy$/.test(o.kind)).map((o) => o.kind)).toEqual(['ListenerPolicy']);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['HTTPListenerPolicy on kgateway 2.3 (removed after 2.2)', { kgatewayVersion: '2.3', api: 'HTTPListenerPolicy' }, 'gatewayTelemetry.api: "HTTPListenerPolicy" is invalid; allowed: a policy kind kgateway 2.3 serves: ListenerPolicy'],
    ['ListenerPolicy on kgateway 2.1 (not there yet)', { kgatewayVersion: '2.1', api: 'ListenerPolicy' }, 'gatewayTelemetry.api: "ListenerPolicy" is invalid; allowed: a policy kind kgateway 2.1 serves: HTTPListenerPolicy'],
    ['a version before 2.0', { kgatewayVersion: '1.18' }, 'gatewayTelemetry.kgatewayVersion: "1.18" is invalid'],
    ['a version with a v', { kgatewayVersion: 'v2.2' }, 'gatewayTelemetry.kgatewayVersion: "v2.2" is invalid'],
  ])('GIVEN %s WHEN constructing THEN it is refused naming the field', (_what, extra, says) => {
    const { chart, logs } = collectors();
    expect(() => new GatewayTelemetryPolicies(chart, 'gw', { gateways: [{ name: 'http', namespace: 'kgateway-system' }], logs, ...extra })).toThrow(says);
  });

  test('GIVEN a config naming kgateway 2.1 WHEN rendered THEN its policies are HTTPListenerPolicies; an impossible kind is refused at its config path', () => {
    const [f] = render({ layout: 'per-cluster', clusterName: 'c', gatewayPolicies: { kgatewayVersion: '2.1', gateways: [{ name: 'http', namespace: 'kgateway-system' }] } });
    expect(new Set(f.objects.filter((o) => /ListenerPolicy$/.test(o.kind)).map((o) => o.kind))).toEqual(new Set(['HTTPListenerPolicy']));
    expect(() =>
      validateConfig({ layout: 'per-cluster', clusterName: 'c', gatewayPolicies: { kgatewayVersion: '2.4', api: 'HTTPListenerPolicy', gateways: [{ name: 'http', namespace: 'kgateway-system' }] } }),
    ).toThrow('gatewayPolicies.api: "HTTPListenerPolicy" is invalid; allowed: a policy kind kgateway 2.4 serves: ListenerPolicy');
  });

});

describe('the queue belongs to the hop', () => {
  test('GIVEN a metrics collector with a queue and a Prometheus instead of a gateway WHEN constructing THEN the queue is refused by name', () => {
    const chart = newChart();
    const prometheus = new Prometheus(chart, 'prometheus');
    expect(() => new MetricsCollector(chart, 'm', { prometheus, queue: { storage: 'emptyDir' } })).toThrow('metricsCollector.queue: {"storage":"emptyDir"} is invalid');
  });
});
