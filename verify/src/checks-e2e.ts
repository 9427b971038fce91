/**
 * The end-to-end checks: telemetry sent by applications and by the kgateway
 * proxy arrives, counted, with its cluster's name and Kubernetes metadata, and
 * nothing is refused or lost on the way.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { makeCa, makeLeaf } from './pki';
import { bin } from './paths';
import { sleep } from './proc';
import { PodRunSpec } from './pod';
import { addDeploymentPod, addKgateway, ClusterRun, PodNetwork, PromClient, startCluster, telemetrygen, waitReceived } from './e2e';
import { ensureNamespace } from './checks-kubernetes';
import { checkQueries, RenderedQuery } from './checks-queries';
import { observeSeries } from './checks-rules';
import { waitFor } from './proc';
import { clusterOf, RenderedCluster } from './render';
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
    // Each point in its own series (`timebox` label): telemetrygen stamps some points within one
    // millisecond, and Prometheus keeps one sample per series and millisecond.
    telemetrygen(sim, app, ['metrics', ...common, '--metrics', String(LOAD.app), '--otlp-metric-name', APP_METRIC, '--metric-type', 'Gauge', '--unique-timeseries', '--unique-timeseries-duration', '1s'], dir),
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
  const { timebox: _timebox, ...labels } = series[0] ?? {};
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

/**
 * Waits until every scrape target of Prometheus has at least three samples in
 * 2 minutes, so rates have data: a counter a target exposes only once it has
 * counted something (Prometheus' own `prometheus_tsdb_head_samples_appended_total`
 * is born after its first self-scrape, the remote-write handler's latency after
 * the first write) has just one sample after two scrapes, and rate() needs two.
 */
export async function waitForScrapes(prom: PromClient): Promise<void> {
  await waitFor('three scrapes of every target', async () => {
    const targets = await prom.query('count_over_time(up[2m])');
    return targets.length > 0 && targets.every((t) => Number(t.value[1]) >= 3);
  }, 240_000);
}

/**
 * The per-cluster layout end to end. Returns the dashboard and alert queries
 * the run cannot feed, and the label sets Prometheus holds for the metrics the
 * alert-rule unit tests use.
 */
export async function e2ePerCluster(r: Report, c: RenderedCluster, dir: string): Promise<{ unfed: RenderedQuery[]; observed: Map<string, Record<string, string>[]> }> {
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
    await waitForScrapes(run.prometheus!);
    const unfed = await checkQueries(r, run.prometheus!, c.objects, c.fileName);
    return { unfed, observed: await observeSeries(run.prometheus!) };
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

/** One cluster of a multi-cluster run: its rendered file, simulation and pods. */
interface FleetMember {
  readonly c: RenderedCluster;
  readonly sim: SimCluster;
  readonly name: string;
  app?: SimPod;
  proxies: { g: { name: string; namespace: string }; proxy: SimPod }[];
  run?: ClusterRun;
}

/**
 * The multi-cluster layout end to end: the management cluster (backends,
 * telemetry gateway, its own collection) and every workload cluster, each
 * with its own API server; workload collectors reach the gateway by its
 * external name over TLS with the bearer token (test CA, certificate and token
 * made by the harness and given to the clusters as the Secrets a user
 * creates). Every signal must arrive with its own cluster's name.
 */
export async function e2eMultiCluster(r: Report, files: RenderedCluster[], dir: string): Promise<RenderedQuery[]> {
  const mgmtFile = files.find((f) => f.objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'otel-gateway'));
  if (!mgmtFile) throw new Error('no management cluster (telemetry gateway) among the rendered files');
  const network = new PodNetwork();
  await network.start();
  const gatewayHost = gatewayExternalHost(files.filter((f) => f !== mgmtFile)[0].objects);
  const pki = path.join(dir, 'pki');
  const ca = await makeCa(pki, 'telemetry-gateway-ca');
  const cert = await makeLeaf(pki, 'telemetry-gateway', ca, { cn: gatewayHost, dns: [gatewayHost] });
  const token = randomBytes(24).toString('hex');
  const read = (f: string) => fs.readFileSync(f, 'utf8');
  const members: FleetMember[] = files.map((c) => {
    const name = clusterOf(c.objects);
    const secrets = prerequisiteSecrets(c.objects, {
      'telemetry-gateway-tls': { 'tls.crt': read(cert.cert), 'tls.key': read(cert.key) },
      'telemetry-gateway-auth': { token },
      'telemetry-gateway-ca': { 'ca.crt': read(ca.cert) },
    });
    return { c, name, sim: new SimCluster(name, c.objects, dir, network, secrets), proxies: [] };
  });
  const mgmt = members.find((m) => m.c === mgmtFile)!;
  try {
    for (const m of members) {
      await m.sim.startControlPlane();
      await m.sim.allocateWorkloadPods();
      await m.sim.registerWorkloadPods();
      await ensureNamespace(m.sim.api, 'shop');
      m.app = await addDeploymentPod(m.sim, 'app', { namespace: 'shop', deployment: 'checkout', labels: { app: 'checkout' } });
      for (const g of gatewaysOf(m.c.objects)) m.proxies.push({ g, ...(await addKgateway(m.sim, g.namespace, g.name, path.join(dir, m.name, 'kgateway'))) });
    }
    const gatewayIp = mgmt.sim.pod('otel-gateway').net.ip;
    for (const m of members) if (m !== mgmt) m.sim.extraHosts.set(gatewayHost, gatewayIp);
    // The management cluster first: the workload clusters' collectors dial its gateway.
    mgmt.run = await startCluster(mgmt.sim, path.join(dir, mgmt.name, 'run'));
    for (const m of members) if (m !== mgmt) m.run = await startCluster(m.sim, path.join(dir, m.name, 'run'));
    r.check(`e2e: multi-cluster: ${members.length} clusters (${members.map((m) => `${m.name}: ${m.sim.pods.size} pods`).join(', ')}), every collector healthy, Prometheus ready`, true);

    // The gateway refuses a client without the token (TLS verified against the test CA).
    const wrong = await telemetrygenExit(members[1].sim, members[1].app!, ['logs', '--otlp-endpoint', `${gatewayHost}:4317`, '--ca-cert', '/etc/verify-ca/ca.crt', '--otlp-header', 'Authorization="Bearer not-the-token"', '--logs', '1', '--timeout', '5s'], path.join(dir, 'load'), [{ mountPath: '/etc/verify-ca', files: { 'ca.crt': read(ca.cert) } }]);
    r.check('e2e: multi-cluster: the telemetry gateway refuses OTLP with a wrong bearer token', wrong !== 0);

    await Promise.all(
      members.flatMap((m) => [
        sendAppTelemetry(m.sim, m.app!, `otel-agent.${m.c.objects.find((o) => o.kind === 'Namespace')!.metadata.name}.svc`, path.join(dir, 'load'), `checkout-${m.name}`),
        ...m.proxies.map((p) => sendGatewayTelemetry(m.sim, p.proxy, p.g, path.join(dir, 'load'))),
      ]),
    );
    const senders = members.flatMap((m) => [
      { service: `checkout-${m.name}`, cluster: m.name, logs: LOAD.app, traces: LOAD.app * SPANS_PER_TRACE, viaAgent: { namespace: 'shop', deployment: 'checkout', pod: m.app!.name } },
    ]);
    await checkArrivals(r, mgmt.run.sinks, senders);
    // kgateway access logs and traces of the same Gateway name arrive from several clusters: count per cluster.
    for (const m of members) {
      for (const p of m.proxies) {
        const service = `${p.g.name}.${p.g.namespace}`;
        for (const [signal, n] of [
          ['logs', LOAD.gateway],
          ['traces', LOAD.gateway * SPANS_PER_TRACE],
        ] as const) {
          const got = await waitReceived(mgmt.run.sinks[signal]!, signal, n, (x) => x.resource['service.name'] === service && x.resource['k8s.cluster.name'] === m.name);
          r.check(`e2e: ${n} ${signal === 'traces' ? 'spans' : 'log records'} of kgateway ${service} in ${m.name} arrived in the management cluster with k8s.cluster.name=${m.name}`, got.length === n, `received ${got.length}`);
        }
      }
    }
    for (const m of members) await checkAppMetrics(r, mgmt.run.prometheus!, `checkout-${m.name}`, m.name, LOAD.app);
    await checkNoLoss(r, mgmt.run.prometheus!, 'multi-cluster');
    const clusters = await mgmt.run.prometheus!.query('count by (k8s_cluster_name) (otelcol_process_uptime_seconds_total)');
    r.check(
      `e2e: multi-cluster: the management Prometheus has every cluster's collector metrics (${clusters.map((c) => `${c.metric.k8s_cluster_name}: ${c.value[1]}`).join(', ')})`,
      members.every((m) => clusters.some((c) => c.metric.k8s_cluster_name === m.name)),
    );
    await waitForScrapes(mgmt.run.prometheus!);
    const unfed = await checkQueries(r, mgmt.run.prometheus!, mgmt.c.objects, 'multi-cluster management');
    if (process.env.VERIFY_OUTAGE !== '0') await checkOutage(r, mgmt, members.find((m) => m !== mgmt)!, path.join(dir, 'outage'));
    return unfed;
  } finally {
    await holdForDebugging(members.map((m) => m.sim));
    for (const m of members) await m.sim.stop();
    await network.stop();
  }
}

/** The gateway host a workload cluster's collectors dial (their OTLP_GATEWAY_ENDPOINT env, host part). */
export function gatewayExternalHost(objects: any[]): string {
  for (const o of objects) {
    for (const c of o.spec?.template?.spec?.containers ?? []) {
      const e = (c.env ?? []).find((x: any) => x.name === 'OTLP_GATEWAY_ENDPOINT');
      if (e?.value) return String(e.value).replace(/:\d+$/, '');
    }
  }
  throw new Error('no collector dials a telemetry gateway in this cluster');
}

/** Runs telemetrygen and returns its exit code (for the checks that expect it to fail). */
async function telemetrygenExit(sim: SimCluster, pod: SimPod, args: string[], dir: string, volumes: PodRunSpec['volumes']): Promise<number | null> {
  try {
    await telemetrygen(sim, pod, args, dir, volumes);
    return 0;
  } catch {
    return 1;
  }
}

/** The outage scenario's timeline, in seconds from the start of the steady load. */
export const OUTAGE = {
  /** Steady load: each signal at this rate (per second) for this long. */
  rate: 2,
  loadSeconds: 14 * 60,
  gatewayDownAt: 60,
  prometheusDownAt: 3 * 60,
  /** A workload collector is restarted while the gateway is down. */
  collectorRestartAt: 6 * 60,
  /** Each outage lasts this long. */
  downSeconds: 10 * 60,
} as const;

/**
 * The durable hop under a management-cluster outage: while a workload
 * cluster's app sends at a steady rate, the telemetry gateway is down for 10
 * minutes (and one workload collector restarts in the middle of it), and
 * Prometheus is down for 10 minutes behind the running gateway (the two
 * overlap). After recovery every span, log record and data point sent has
 * arrived, and the collectors' queue metrics show the buffering.
 */
export async function checkOutage(r: Report, mgmt: FleetMember, wl: FleetMember, dir: string): Promise<void> {
  const prom = mgmt.run!.prometheus!;
  const service = `outage-${wl.name}`;
  const n = OUTAGE.rate * OUTAGE.loadSeconds;
  const agent = `otel-agent.${wl.c.objects.find((o) => o.kind === 'Namespace')!.metadata.name}.svc:4317`;
  const common = ['--otlp-endpoint', agent, '--otlp-insecure', '--rate', String(OUTAGE.rate), '--service', service];
  // telemetrygen's trace limiter waits once per span (the client span and each
  // child), so traces reach OUTAGE.rate per second at SPANS_PER_TRACE times it.
  const traceArgs = ['--otlp-endpoint', agent, '--otlp-insecure', '--rate', String(OUTAGE.rate * SPANS_PER_TRACE), '--service', service];
  const started = Date.now();
  const at = (s: number) => sleep(Math.max(0, started + s * 1000 - Date.now()));
  const load = Promise.all([
    telemetrygen(wl.sim, wl.app!, ['traces', ...traceArgs, '--traces', String(n), '--child-spans', String(SPANS_PER_TRACE - 1)], dir),
    telemetrygen(wl.sim, wl.app!, ['logs', ...common, '--logs', String(n)], dir),
    telemetrygen(wl.sim, wl.app!, ['metrics', ...common, '--metrics', String(n), '--otlp-metric-name', APP_METRIC, '--metric-type', 'Gauge', '--unique-timeseries', '--unique-timeseries-duration', '1s'], dir),
  ]);
  const gateway = mgmt.sim.pod('otel-gateway');
  const prometheus = mgmt.sim.pod('prometheus');
  const restarted = 'otel-logs';
  const log: string[] = [];
  const note = (s: string) => log.push(`${Math.round((Date.now() - started) / 1000)} s: ${s}`);

  await at(OUTAGE.gatewayDownAt);
  await gateway.server!.stop();
  note('telemetry gateway stopped');
  await at(OUTAGE.prometheusDownAt);
  await prometheus.server!.stop();
  note('Prometheus stopped');
  await at(OUTAGE.collectorRestartAt);
  await wl.sim.pod(restarted).server!.stop();
  await wl.sim.startWorkload(restarted, bin('otelcol'));
  await wl.sim.waitHttp(restarted, 13133, '/');
  note(`${wl.name}/${restarted} restarted`);
  await at(OUTAGE.gatewayDownAt + OUTAGE.downSeconds);
  await mgmt.sim.startWorkload('otel-gateway', bin('otelcol'));
  await mgmt.sim.waitHttp('otel-gateway', 13133, '/');
  note('telemetry gateway back');
  await at(OUTAGE.prometheusDownAt + OUTAGE.downSeconds);
  await mgmt.sim.startWorkload('prometheus', bin('prometheus'));
  await mgmt.sim.waitHttp('prometheus', 9090, '/-/ready', 300_000);
  note('Prometheus back');
  await load;
  note(`load done: ${n} traces (${n * SPANS_PER_TRACE} spans), ${n} log records, ${n} metric points`);
  r.check(`e2e: outage: gateway down ${OUTAGE.downSeconds / 60} min, Prometheus down ${OUTAGE.downSeconds / 60} min (overlapping), ${wl.name}/${restarted} restarted during it`, true, log.join('\n'));

  await checkArrivals(r, mgmt.run!.sinks, [{ service, cluster: wl.name, logs: n, traces: n * SPANS_PER_TRACE }]);
  await checkAppMetrics(r, prom, service, wl.name, n);
  const buffered = async (expr: string) => (await prom.query(expr)).map((x) => `${x.metric.k8s_cluster_name ?? ''}/${x.metric.instance ?? ''} ${x.metric.exporter}: ${x.value[1]}`);
  const window = `${Math.ceil((Date.now() - started) / 60000) + 2}m`;
  const wlQueues = await buffered(`max by (k8s_cluster_name, instance, exporter) (max_over_time(otelcol_exporter_queue_size{k8s_cluster_name="${wl.name}", exporter="otlp_grpc/gateway"}[${window}])) > 0`);
  r.check(`e2e: outage: ${wl.name}'s collectors queued for the gateway during its outage (otelcol_exporter_queue_size)`, wlQueues.length > 0, wlQueues.join('\n') || undefined);
  const gwQueues = await buffered(`max by (k8s_cluster_name, instance, exporter) (max_over_time(otelcol_exporter_queue_size{exporter="otlp_http/prometheus"}[${window}])) > 0`);
  r.check('e2e: outage: the gateway queued for Prometheus during its outage (otelcol_exporter_queue_size)', gwQueues.length > 0, gwQueues.join('\n') || undefined);
  await checkNoLoss(r, prom, 'after the outages');
}
