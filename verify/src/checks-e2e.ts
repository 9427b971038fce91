/**
 * The end-to-end checks: telemetry sent by applications and by the kgateway
 * proxy arrives, counted, with its cluster's name and Kubernetes metadata, and
 * nothing is refused or lost on the way.
 */
import * as path from 'path';
import { addDeploymentPod, addKgateway, ClusterRun, PodNetwork, PromClient, startCluster, telemetrygen, waitReceived } from './e2e';
import { ensureNamespace } from './checks-kubernetes';
import { RenderedCluster } from './render';
import { Report } from './report';
import { SimCluster, SimPod } from './sim';
import { Received } from './standins';

/** How much each sender sends. */
export const LOAD = { app: 120, gateway: 60, rate: 30 } as const;
/** telemetrygen makes a client span and `--child-spans` server spans per trace. */
export const SPANS_PER_TRACE = 2;
/** The metric the app sends (in the node agents' minimum metric set, so it passes their allowlist). */
export const APP_METRIC = 'http.server.active_requests';
export const APP_METRIC_PROM = 'http_server_active_requests';

/** The policy target (Service host:port) a rendered kgateway policy sends a signal to. */
export function policyTarget(objects: any[], gateway: { name: string; namespace: string }, signal: 'logs' | 'traces'): string {
  const pols = objects.filter((o) => /ListenerPolicy$/.test(o.kind) && o.metadata.namespace === gateway.namespace && JSON.stringify(o.spec.targetRefs).includes(`"name":"${gateway.name}"`));
  for (const p of pols) {
    const http = p.kind === 'ListenerPolicy' ? p.spec.default?.httpSettings : p.spec;
    if (signal === 'logs') {
      const al = http?.accessLog?.find((a: any) => a.openTelemetry);
      const ref = al?.openTelemetry?.grpcService?.backendRef;
      if (ref) return `${ref.name}.${ref.namespace ?? gateway.namespace}.svc:${ref.port}`;
    } else {
      const ref = http?.tracing?.provider?.openTelemetry?.grpcService?.backendRef;
      if (ref) return `${ref.name}.${ref.namespace ?? gateway.namespace}.svc:${ref.port}`;
    }
  }
  throw new Error(`no rendered policy sends ${signal} of Gateway ${gateway.namespace}/${gateway.name}`);
}

/** Sends the app's traces, logs and metrics through the node agent. */
export async function sendAppTelemetry(sim: SimCluster, app: SimPod, agentHost: string, dir: string, service: string): Promise<void> {
  const common = ['--otlp-endpoint', `${agentHost}:4317`, '--otlp-insecure', '--rate', String(LOAD.rate), '--service', service];
  await Promise.all([
    telemetrygen(sim, app, ['traces', ...common, '--traces', String(LOAD.app), '--child-spans', String(SPANS_PER_TRACE - 1)], dir),
    telemetrygen(sim, app, ['logs', ...common, '--logs', String(LOAD.app)], dir),
    telemetrygen(sim, app, ['metrics', ...common, '--metrics', String(LOAD.app), '--otlp-metric-name', APP_METRIC, '--metric-type', 'Gauge'], dir),
  ]);
}

/** Sends access logs and traces from the kgateway proxy pod to where the rendered policies point. */
export async function sendGatewayTelemetry(sim: SimCluster, proxy: SimPod, gateway: { name: string; namespace: string }, dir: string): Promise<void> {
  const logs = policyTarget(sim.objects, gateway, 'logs');
  const traces = policyTarget(sim.objects, gateway, 'traces');
  const common = (endpoint: string) => ['--otlp-endpoint', endpoint, '--otlp-insecure', '--rate', String(LOAD.rate), '--service', `${gateway.name}.${gateway.namespace}`];
  await Promise.all([
    telemetrygen(sim, proxy, ['logs', ...common(logs), '--logs', String(LOAD.gateway), '--body', 'GET /checkout 200'], dir),
    telemetrygen(sim, proxy, ['traces', ...common(traces), '--traces', String(LOAD.gateway), '--child-spans', String(SPANS_PER_TRACE - 1)], dir),
  ]);
}

const from = (service: string) => (r: Received) => r.resource['service.name'] === service;

/**
 * Checks that every item sent arrived, once, with its cluster's name, and that
 * the app's items carry the Kubernetes metadata the node agent adds.
 */
export async function checkArrivals(
  r: Report,
  sinks: ClusterRun['sinks'],
  senders: { service: string; cluster: string; logs: number; traces: number; viaAgent?: { namespace: string; deployment: string; pod: string } }[],
): Promise<void> {
  for (const s of senders) {
    for (const [signal, n] of [
      ['logs', s.logs],
      ['traces', s.traces],
    ] as const) {
      const dir = sinks[signal];
      if (!dir || n === 0) continue;
      const got = await waitReceived(dir, signal, n, from(s.service));
      const wrongCluster = got.filter((x) => x.resource['k8s.cluster.name'] !== s.cluster).length;
      r.check(`e2e: ${n} ${signal === 'traces' ? 'spans' : 'log records'} of ${s.service} sent, ${got.length} arrived, all with k8s.cluster.name=${s.cluster}`, got.length === n && wrongCluster === 0, got.length !== n ? `received ${got.length}` : wrongCluster ? `${wrongCluster} without k8s.cluster.name=${s.cluster}: ${JSON.stringify(got.find((x) => x.resource['k8s.cluster.name'] !== s.cluster)?.resource)}` : undefined);
      if (s.viaAgent && got.length > 0) {
        const want = { 'k8s.namespace.name': s.viaAgent.namespace, 'k8s.deployment.name': s.viaAgent.deployment, 'k8s.pod.name': s.viaAgent.pod, 'k8s.node.name': 'node-1' };
        const bad = got.filter((x) => Object.entries(want).some(([k, v]) => x.resource[k] !== v));
        r.check(
          `e2e: ${signal} of ${s.service} carry the node agent's Kubernetes metadata (${Object.keys(want).join(', ')})`,
          bad.length === 0,
          bad.length ? `${bad.length} of ${got.length} differ; first has ${JSON.stringify(bad[0].resource)}` : undefined,
        );
      }
    }
  }
}

/** The app's metric points arrived in Prometheus: as many samples as sent, labelled with the cluster. */
export async function checkAppMetrics(r: Report, prom: PromClient, service: string, cluster: string, n: number): Promise<void> {
  const sel = `${APP_METRIC_PROM}{job="${service}"}`;
  let count = 0;
  let series: Record<string, string>[] = [];
  const until = Date.now() + 180_000;
  while (Date.now() < until) {
    count = await prom.scalar(`sum(count_over_time(${sel}[1h]))`);
    if (count >= n) break;
    await new Promise((res) => setTimeout(res, 2000));
  }
  series = await prom.series(sel);
  const labels = series[0] ?? {};
  r.check(
    `e2e: ${n} points of ${APP_METRIC} from ${service} sent, ${count} samples of ${APP_METRIC_PROM} in Prometheus, labelled k8s_cluster_name="${cluster}"`,
    count === n && series.length > 0 && series.every((s) => s.k8s_cluster_name === cluster),
    `series: ${JSON.stringify(labels)}`,
  );
}

/** No collector refused or failed to send anything (their own metrics, as scraped into Prometheus). */
export async function checkNoLoss(r: Report, prom: PromClient, scope: string): Promise<void> {
  const bad = await prom.query(
    '{__name__=~"otelcol_exporter_send_failed_.*|otelcol_receiver_refused_.*|otelcol_exporter_enqueue_failed_.*|otelcol_processor_refused_.*", __name__!~".*_created"} > 0',
  );
  const seen = await prom.query('count by (job, k8s_cluster_name) (otelcol_process_uptime_seconds_total)');
  r.check(
    `e2e: ${scope}: no collector refused, failed to send or failed to enqueue anything (${seen.map((s) => `${s.metric.k8s_cluster_name ?? '?'}/${s.metric.job}: ${s.value[1]} collectors`).join(', ') || 'no collector metrics!'})`,
    bad.length === 0 && seen.length > 0,
    bad.map((b) => `${JSON.stringify(b.metric)} = ${b.value[1]}`).join('\n') || undefined,
  );
}

/** The per-cluster layout end to end. */
export async function e2ePerCluster(r: Report, c: RenderedCluster, dir: string): Promise<void> {
  const network = new PodNetwork();
  await network.start();
  const clusterName = clusterOf(c.objects);
  const sim = new SimCluster(clusterName, c.objects, dir, network, prerequisiteSecrets(c.objects));
  try {
    await sim.startControlPlane();
    await sim.allocateWorkloadPods();
    await sim.registerWorkloadPods();
    await ensureNamespace(sim.api, 'shop');
    const app = await addDeploymentPod(sim, 'app', { namespace: 'shop', deployment: 'checkout', labels: { app: 'checkout' } });
    const gateways = gatewaysOf(c.objects);
    const proxies = [];
    for (const g of gateways) proxies.push({ g, ...(await addKgateway(sim, g.namespace, g.name, path.join(dir, 'kgateway'))) });
    const run = await startCluster(sim, path.join(dir, 'run'));
    r.check(`e2e: per-cluster ${c.fileName}: API server, ${sim.pods.size} pods, every collector healthy and Prometheus ready`, true);

    const agent = `otel-agent.${c.objects.find((o) => o.kind === 'Namespace')!.metadata.name}.svc`;
    await Promise.all([
      sendAppTelemetry(sim, app, agent, path.join(dir, 'load'), 'checkout'),
      ...proxies.map((p) => sendGatewayTelemetry(sim, p.proxy, p.g, path.join(dir, 'load'))),
    ]);
    await checkArrivals(r, run.sinks, [
      { service: 'checkout', cluster: clusterName, logs: LOAD.app, traces: LOAD.app * SPANS_PER_TRACE, viaAgent: { namespace: 'shop', deployment: 'checkout', pod: app.name } },
      ...proxies.map((p) => ({ service: `${p.g.name}.${p.g.namespace}`, cluster: clusterName, logs: LOAD.gateway, traces: LOAD.gateway * SPANS_PER_TRACE })),
    ]);
    await checkAppMetrics(r, run.prometheus!, 'checkout', clusterName, LOAD.app);
    await checkNoLoss(r, run.prometheus!, c.fileName);
  } finally {
    await holdForDebugging([sim]);
    await sim.stop();
    await network.stop();
  }
}

/** With VERIFY_HOLD=<seconds>, keeps the simulated clusters running before teardown (to inspect them). */
export async function holdForDebugging(sims: SimCluster[]): Promise<void> {
  const s = Number(process.env.VERIFY_HOLD ?? 0);
  if (!(s > 0)) return;
  for (const sim of sims) {
    process.stdout.write(`holding ${sim.name} for ${s} s: API server ${sim.api.url} (kubeconfig ${sim.api.kubeconfig})\n`);
    for (const p of sim.pods.values()) process.stdout.write(`  ${p.net.ip} ${p.namespace}/${p.name} (netns ${p.net.ns})\n`);
  }
  await new Promise((r) => setTimeout(r, s * 1000));
}

export function clusterOf(objects: any[]): string {
  for (const o of objects) {
    const cfg = o.kind === 'ConfigMap' ? Object.values(o.data ?? {}).join('\n') : '';
    const m = /key: k8s\.cluster\.name\n\s+value: (\S+)/.exec(cfg);
    if (m) return m[1];
  }
  throw new Error('no cluster name found in the rendered collector configs');
}

/** The Gateways the rendered policies target. */
export function gatewaysOf(objects: any[]): { name: string; namespace: string }[] {
  const out = new Map<string, { name: string; namespace: string }>();
  for (const p of objects.filter((o) => /ListenerPolicy$/.test(o.kind))) {
    for (const t of p.spec.targetRefs ?? []) if (t.kind === 'Gateway') out.set(`${p.metadata.namespace}/${t.name}`, { name: t.name, namespace: p.metadata.namespace });
  }
  return [...out.values()];
}

/** Secret data for every Secret the rendered objects reference (values made up by the harness). */
export function prerequisiteSecrets(objects: any[], extra: Record<string, Record<string, string>> = {}): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const put = (name: string, key: string) => ((out[name] ??= {})[key] = extra[name]?.[key] ?? `verify-${name}-${key}`);
  for (const o of objects) {
    const spec = o.spec?.template?.spec;
    if (!spec) continue;
    for (const v of spec.volumes ?? []) if (v.secret) for (const i of v.secret.items ?? []) put(v.secret.secretName, i.key);
    for (const c of spec.containers ?? []) for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) put(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
  }
  return out;
}
