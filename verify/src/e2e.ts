/**
 * End to end on loopback: the real collectors and the real Prometheus with
 * the rendered configs byte for byte, in pods of a simulated cluster (see
 * sim.ts), Loki and Tempo intake stood in by otelcol-sink, telemetrygen as the
 * applications and as the kgateway proxy's access logs and traces, and
 * recorded kgateway expositions as scrape targets found through real
 * Kubernetes discovery.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { HOST_IP, PodNetwork } from './netns';
import { bin } from './paths';
import { PodRunSpec, startPod } from './pod';
import { Server, sleep, waitFor } from './proc';
import { collectorWorkloads, configMap, K8sObject, podSpec } from './render';
import { EXPOSITION_SERVER, NODE_NAME, SimCluster, SimPod } from './sim';
import { readReceived, Received, sinkConfig, SinkSignal } from './standins';

export const FIXTURES = path.join(__dirname, '..', '..', 'verify', 'fixtures');

/** A Prometheus HTTP API client. */
export class PromClient {
  constructor(public readonly base: string) {}

  public async query(expr: string, time?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const params = new URLSearchParams({ query: expr });
    if (time !== undefined) params.set('time', String(time));
    const res = await fetch(`${this.base}/api/v1/query`, { method: 'POST', body: params, signal: AbortSignal.timeout(30_000) });
    const body: any = await res.json();
    if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error ?? res.status}`);
    if (body.data.resultType === 'scalar') return [{ metric: {}, value: body.data.result }];
    return body.data.result;
  }

  /** The single number an expression returns (0 when it returns nothing). */
  public async scalar(expr: string): Promise<number> {
    const r = await this.query(expr);
    return r.length === 0 ? 0 : Number(r[0].value[1]);
  }

  /** Every series of a metric, as label sets. */
  public async series(match: string): Promise<Record<string, string>[]> {
    const params = new URLSearchParams({ 'match[]': match });
    const res = await fetch(`${this.base}/api/v1/series`, { method: 'POST', body: params, signal: AbortSignal.timeout(30_000) });
    const body: any = await res.json();
    if (body.status !== 'success') throw new Error(`series ${match}: ${body.error}`);
    return body.data;
  }
}

// ---------------------------------------------------------------------------
// Starting a cluster's pods
// ---------------------------------------------------------------------------

const COLLECTOR_HEALTH_PORT = 13133;

/** Which workloads of a cluster run what. */
export interface ClusterRun {
  readonly sim: SimCluster;
  /** Sink folders of the Loki and Tempo stand-ins (management or per-cluster only). */
  readonly sinks: Partial<Record<SinkSignal, string>>;
  readonly prometheus?: PromClient;
}

/** Reads a workload's rendered config file (ConfigMap key) as YAML. */
export function renderedConfig(objects: K8sObject[], w: K8sObject, key: string): any {
  const vol = podSpec(w).volumes.find((v: any) => v.name === 'config');
  return parse(configMap(objects, vol.configMap.name, w.metadata.namespace).data[key]);
}

/** Starts a stand-in sink in the pod of a Loki or Tempo StatefulSet. */
async function startSink(sim: SimCluster, key: string, o: Parameters<typeof sinkConfig>[0], dir: string): Promise<Server> {
  const p = sim.pod(key);
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'sink.yaml');
  fs.writeFileSync(conf, sinkConfig({ ...o, dir }));
  p.server = new Server(`${sim.name}/${key}-standin`, 'ip', ['netns', 'exec', p.net.ns, bin('otelcol-sink'), `--config=${conf}`], path.join(dir, 'log'));
  return p.server;
}

/**
 * Starts every pod of a rendered cluster: stand-ins for Loki and Tempo, the
 * real Prometheus, every collector (Grafana is not run: its image is deployed,
 * never built here).
 */
export async function startCluster(sim: SimCluster, dir: string): Promise<ClusterRun> {
  const sinks: ClusterRun['sinks'] = {};
  const waits: Promise<void>[] = [];
  const loki = sim.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'loki');
  if (loki) {
    sinks.logs = path.join(dir, 'loki-standin');
    await startSink(sim, 'loki', { httpPort: 3100, logsUrlPath: '/otlp/v1/logs', signals: ['logs'], dir: '', telemetryPort: 8888 }, sinks.logs);
    waits.push(sim.waitHttp('loki', 8888, '/metrics'));
  }
  const tempo = sim.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'tempo');
  if (tempo) {
    sinks.traces = path.join(dir, 'tempo-standin');
    await startSink(sim, 'tempo', { grpcPort: 4317, httpPort: 4318, signals: ['traces'], dir: '', telemetryPort: 8888 }, sinks.traces);
    waits.push(sim.waitHttp('tempo', 8888, '/metrics'));
  }
  let prometheus: PromClient | undefined;
  const prom = sim.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'prometheus');
  if (prom) {
    await sim.startWorkload('prometheus', bin('prometheus'));
    waits.push(sim.waitHttp('prometheus', 9090, '/-/ready', 180_000));
    prometheus = new PromClient(`http://${sim.pod('prometheus').net.ip}:9090`);
  }
  for (const w of collectorWorkloads(sim.objects)) {
    await sim.startWorkload(w.metadata.name, bin('otelcol'));
    waits.push(sim.waitHttp(w.metadata.name, COLLECTOR_HEALTH_PORT, '/'));
  }
  await Promise.all(waits);
  return { sim, sinks, prometheus };
}

// sinkConfig writes files relative to `dir`; startSink passes the folder.
// (kept separate so the YAML stays a pure function)

// ---------------------------------------------------------------------------
// Pods the harness adds: an application and kgateway
// ---------------------------------------------------------------------------

const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: 65532,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * Registers a Deployment-owned pod the way the Deployment and ReplicaSet
 * controllers would (so k8s_attributes can derive `k8s.deployment.name`).
 */
export async function addDeploymentPod(
  sim: SimCluster,
  key: string,
  o: { namespace: string; deployment: string; labels: Record<string, string>; annotations?: Record<string, string>; ports?: { name: string; containerPort: number }[] },
): Promise<SimPod> {
  const hash = '6c9f8d7b5f';
  const pod = await sim.addPod(key, o.namespace, `${o.deployment}-${hash}-x7k2p`);
  const template = {
    metadata: { labels: o.labels, annotations: o.annotations },
    spec: {
      serviceAccountName: o.deployment,
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: o.deployment, image: 'example.invalid/app:1', ports: o.ports, securityContext: RESTRICTED_CONTAINER, resources: { limits: { cpu: '100m', memory: '64Mi' } } }],
    },
  };
  // No controller creates a namespace's `default` ServiceAccount here; the app brings its own.
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: o.deployment, namespace: o.namespace } };
  await sim.api.kubectlOk(['apply', '--server-side', '--field-manager=verify-apps', '-f', '-'], JSON.stringify(sa));
  const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: o.deployment, namespace: o.namespace }, spec: { replicas: 1, selector: { matchLabels: o.labels }, template } };
  await sim.api.kubectlOk(['apply', '--server-side', '--field-manager=verify-apps', '-f', '-'], JSON.stringify(dep));
  const depUid = await sim.uid('Deployment', o.namespace, o.deployment);
  const rs = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `${o.deployment}-${hash}`, namespace: o.namespace, labels: { ...o.labels, 'pod-template-hash': hash }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: o.deployment, uid: depUid, controller: true }] },
    spec: { replicas: 1, selector: { matchLabels: o.labels }, template },
  };
  await sim.api.kubectlOk(['apply', '--server-side', '--field-manager=verify-controllers', '-f', '-'], JSON.stringify(rs));
  const rsUid = await sim.uid('ReplicaSet', o.namespace, rs.metadata.name);
  // The ReplicaSet controller labels its pods with the template hash (k8s_attributes derives the Deployment from it).
  await sim.createPod(pod, { labels: { ...o.labels, 'pod-template-hash': hash }, annotations: o.annotations, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rsUid, controller: true }] }, template.spec);
  return pod;
}

/** The kgateway proxy (data plane) and controller pods, serving recorded expositions. */
export async function addKgateway(sim: SimCluster, namespace: string, gateway: string, dir: string): Promise<{ proxy: SimPod }> {
  const proxy = await addDeploymentPod(sim, `kgateway-proxy-${gateway}`, {
    namespace,
    deployment: gateway,
    labels: { 'app.kubernetes.io/name': gateway, 'gateway.networking.k8s.io/gateway-name': gateway, kgateway: 'kube-gateway' },
    annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9091', 'prometheus.io/path': '/metrics' },
    ports: [{ name: 'http-monitoring', containerPort: 9091 }],
  });
  const controller = await addDeploymentPod(sim, `kgateway-controller-${namespace}`, {
    namespace,
    deployment: 'kgateway',
    labels: { 'app.kubernetes.io/name': 'kgateway', kgateway: 'kgateway' },
    annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9092', 'prometheus.io/path': '/metrics' },
    ports: [{ name: 'http-monitoring', containerPort: 9092 }],
  });
  for (const [p, port, file] of [
    [proxy, 9091, 'kgateway-proxy.prom'],
    [controller, 9092, 'kgateway-controller.prom'],
  ] as const) {
    p.server = new Server(
      `${sim.name}/${p.name}`,
      'ip',
      ['netns', 'exec', p.net.ns, process.execPath, EXPOSITION_SERVER, '--host', '0.0.0.0', '--port', String(port), '--path', '/metrics', '--file', path.join(FIXTURES, file)],
      path.join(dir, `${p.name}.log`),
    );
    await waitFor(`${p.name} exposition`, async () => (await fetch(`http://${p.net.ip}:${port}/metrics`)).ok, 30_000, p.server);
  }
  return { proxy };
}

/** Runs telemetrygen in a pod (its network and /etc/hosts) and waits for it to finish. */
export async function telemetrygen(sim: SimCluster, pod: SimPod, args: string[], dir: string, extraVolumes: PodRunSpec['volumes'] = []): Promise<void> {
  const name = `telemetrygen-${args[0]}-${Date.now()}`;
  const s = startPod({
    name: `${sim.name}/${pod.name}/${name}`,
    dir: path.join(dir, name),
    binary: bin('telemetrygen'),
    args,
    env: { PATH: '/usr/bin:/bin', HOME: '/' },
    volumes: extraVolumes,
    hosts: sim.hosts(),
    runAs: { user: 65532, group: 65532 },
    netns: pod.net.ns,
  });
  const code = await new Promise<number | null>((resolve) => s.child.on('exit', resolve));
  if (code !== 0) throw new Error(`telemetrygen ${args.join(' ')} exited ${code}:\n${s.tail()}`);
}

// ---------------------------------------------------------------------------
// Assertions helpers
// ---------------------------------------------------------------------------

/** Waits until a sink holds at least `n` items matching `filter`; returns them. */
export async function waitReceived(sinkDir: string, signal: SinkSignal, n: number, filter: (r: Received) => boolean, timeoutMs = 180_000): Promise<Received[]> {
  let got: Received[] = [];
  try {
    await waitFor(`${n} ${signal} in ${sinkDir}`, async () => {
      got = readReceived(sinkDir, signal).filter(filter);
      return got.length >= n;
    }, timeoutMs);
  } catch {
    /* the caller reports the count */
  }
  await sleep(2_000);
  return readReceived(sinkDir, signal).filter(filter);
}

/** Downward-API values of a pod (for reading env). */
export const fieldValues = (pod: SimPod) => ({ 'spec.nodeName': NODE_NAME, 'metadata.name': pod.name, 'metadata.namespace': pod.namespace, 'status.podIP': pod.net.ip });

export { HOST_IP, PodNetwork };
