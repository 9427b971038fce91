/**
 * NetworkPolicies derived from the recorded wiring, judged by meaning: a
 * small NetworkPolicy evaluator (support/netpol.ts) asks whether each
 * recorded edge is allowed and whether a sample of paths nobody wired is
 * refused; small charts are asserted exactly.
 */
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Grafana } from '../components/grafana';
import { LogsCollector } from '../components/collector';
import { Loki } from '../components/loki';
import { Prometheus } from '../components/prometheus';
import { Tempo } from '../components/tempo';
import { endName, NetworkEdge, NetworkEnd, NetworkPolicies, NetworkWiring, ResolvedNetworkSettings, resolveNetworkSettings } from '../lib/network';
import { ValidationError } from '../lib/validation';
import { buildApp } from '../stacks/build';
import { LgtmConfig, validateConfig } from '../stacks/config';
import { loadConfigFile } from '../stacks/load';
import { TelemetryNamespace } from '../stacks/namespace';
import { renderApp } from '../stacks/render';
import { AddressAt, connectionAllowed, Party, PodAt, podsOf } from './support/netpol';
import { newChart, schemaErrors, synth } from './support/synth';

const EXAMPLES = path.resolve(__dirname, '..', 'examples');

/** An application pod in some namespace of the cluster. */
const APP: PodAt = { kind: 'pod', namespace: 'shop', labels: { app: 'checkout' }, name: 'checkout' };
/** Somewhere on the internet. */
const INTERNET: AddressAt = { kind: 'ip', ip: '203.0.113.7' };

/** A concrete party standing for one end of an edge (a pod it selects, or an address in its blocks). */
function partyFor(end: NetworkEnd, pods: Map<string, PodAt>, s: ResolvedNetworkSettings): Party {
  switch (end.kind) {
    case 'workload': {
      const pod = pods.get(end.name);
      if (!pod) throw new Error(`no rendered workload ${end.name}`);
      return pod;
    }
    case 'pods':
      return { kind: 'pod', namespace: end.namespaces === 'all' ? 'somewhere' : end.namespaces[0], labels: { ...end.podSelector, extra: 'label' } };
    case 'cidrs':
      return { kind: 'ip', ip: end.cidrs[0].replace(/\/\d+$/, '') };
    case 'external': {
      const cidrs = { apiServer: s.apiServer.cidrs, objectStorage: s.objectStorage.cidrs, telemetryGateway: s.telemetryGateway.cidrs, telemetryGatewayClients: s.telemetryGateway.clientCidrs }[end.role];
      return cidrs[0] === '0.0.0.0/0' ? INTERNET : { kind: 'ip', ip: cidrs[0].replace(/\/\d+$/, '') };
    }
  }
}

/** The ports of an edge (the API server's configured ones when it names none). */
function portsOf(e: NetworkEdge, s: ResolvedNetworkSettings): { port: number; protocol: string }[] {
  return e.ports.length === 0 ? s.apiServer.ports.map((port) => ({ port, protocol: 'TCP' })) : e.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' }));
}

/** Every recorded edge of a chart, with whether the rendered policies allow it. */
function edgeVerdicts(chart: Chart, objects: any[], s: ResolvedNetworkSettings = resolveNetworkSettings()) {
  const pods = podsOf(objects);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  return NetworkWiring.of(chart).edges.flatMap((e) =>
    portsOf(e, s).map((p) => ({
      edge: `${endName(e.from)} -> ${endName(e.to)}:${p.port}/${p.protocol} (${e.reason})`,
      allowed: connectionAllowed(policies, partyFor(e.from, pods, s), partyFor(e.to, pods, s), p.port, p.protocol),
    })),
  );
}

function renderExample(file: string) {
  const app = buildApp([loadConfigFile(path.join(EXAMPLES, file))]);
  const files = renderApp(app);
  const charts = app.node.children.filter((c): c is Chart => Chart.isChart(c));
  return charts.map((chart, i) => ({ chart, file: files[i] }));
}

function renderConfig(config: LgtmConfig) {
  const app = buildApp([{ source: 'test.yaml', config: validateConfig(config) }]);
  const files = renderApp(app);
  const charts = app.node.children.filter((c): c is Chart => Chart.isChart(c));
  return charts.map((chart, i) => ({ chart, file: files[i] }));
}

const EXAMPLE_CLUSTERS = ['single-node.yaml', 'per-cluster.yaml', 'multi-cluster.yaml'].flatMap((f) => renderExample(f));

describe('NetworkPolicies of the reference layouts', () => {
  test.each(EXAMPLE_CLUSTERS.map((c) => [c.file.fileName, c] as const))('GIVEN %s WHEN every recorded edge is tried THEN a policy allows each', (_name, { chart, file }) => {
    const verdicts = edgeVerdicts(chart, file.objects);
    expect(verdicts.length).toBeGreaterThan(10);
    expect(verdicts.filter((v) => !v.allowed)).toEqual([]);
  });

  test.each(EXAMPLE_CLUSTERS.map((c) => [c.file.fileName, c] as const))('GIVEN %s WHEN its objects are read THEN the namespace has default-deny and every workload its own allow policy', (_name, { file }) => {
    const ns = file.objects.find((o) => o.kind === 'Namespace').metadata.name;
    const policies = file.objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.find((p) => p.metadata.name === 'default-deny')).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: expect.objectContaining({ name: 'default-deny', namespace: ns }),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    const workloads = [...podsOf(file.objects).keys()].sort();
    expect(policies.map((p) => p.metadata.name).filter((n) => n !== 'default-deny').sort()).toEqual(workloads.map((w) => `allow-${w}`).sort());
    for (const p of policies) expect(p.metadata.namespace).toBe(ns);
    expect(schemaErrors(policies)).toEqual([]);
  });

  test('GIVEN the per-cluster layout WHEN paths nobody wired are tried THEN none is allowed', () => {
    const [{ file }] = renderExample('per-cluster.yaml');
    const pods = podsOf(file.objects);
    const policies = file.objects.filter((o) => o.kind === 'NetworkPolicy');
    const p = (name: string) => pods.get(name)!;
    const refused: [string, Party, Party, number][] = [
      ['Grafana to a collector', p('grafana'), p('otel-logs'), 4317],
      ['an application to Loki directly', APP, p('loki'), 3100],
      ['an application to Prometheus directly', APP, p('prometheus'), 9090],
      ['an application to a signal collector directly', APP, p('otel-traces'), 4317],
      ['the agent to Loki (it forwards to the collectors)', p('otel-agent'), p('loki'), 3100],
      ['the logs collector to Tempo', p('otel-logs'), p('tempo'), 4317],
      ['Loki to Grafana', p('loki'), p('grafana'), 3000],
      ['Grafana to the internet', p('grafana'), INTERNET, 443],
      ['Tempo to Loki', p('tempo'), p('loki'), 3100],
      ['Envoy of an unlisted Gateway to the logs collector', { kind: 'pod', namespace: 'other', labels: { 'gateway.networking.k8s.io/gateway-name': 'http' } }, p('otel-logs'), 4317],
      ['Envoy of a listed Gateway to Loki', { kind: 'pod', namespace: 'kgateway-system', labels: { 'gateway.networking.k8s.io/gateway-name': 'http' } }, p('loki'), 3100],
      ['Loki on a port it was not wired on (gRPC) from the logs collector', p('otel-logs'), p('loki'), 9095],
      ['the internet to Grafana', INTERNET, p('grafana'), 3000],
    ];
    expect(refused.filter(([, from, to, port]) => connectionAllowed(policies, from, to, port)).map(([what]) => what)).toEqual([]);
    // Sanity: the evaluator does allow the wired paths next to them.
    const allowed: [string, Party, Party, number][] = [
      ['an application to the node agent', APP, p('otel-agent'), 4317],
      ['an application to the node agent over HTTP', APP, p('otel-agent'), 4318],
      ['Envoy of Gateway kgateway-system/http to the logs collector', { kind: 'pod', namespace: 'kgateway-system', labels: { 'gateway.networking.k8s.io/gateway-name': 'http', kgateway: 'kube-gateway' } }, p('otel-logs'), 4317],
      ['Grafana to Loki', p('grafana'), p('loki'), 3100],
      ['Loki to its S3 bucket', p('loki'), INTERNET, 443],
      ['the metrics collector to a kgateway proxy', p('otel-metrics'), { kind: 'pod', namespace: 'kgateway-system', labels: { kgateway: 'kube-gateway' } }, 9091],
      ['the metrics collector to the API server', p('otel-metrics'), INTERNET, 6443],
    ];
    expect(allowed.filter(([, from, to, port]) => !connectionAllowed(policies, from, to, port)).map(([what]) => what)).toEqual([]);
  });

  test('GIVEN the single-node layout without object storage WHEN Loki dials out THEN nothing outside the cluster is allowed, and Loki resolves no names', () => {
    const [{ file }] = renderExample('single-node.yaml');
    const pods = podsOf(file.objects);
    const policies = file.objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(connectionAllowed(policies, pods.get('loki')!, INTERNET, 443)).toBe(false);
    const loki = policies.find((p) => p.metadata.name === 'allow-loki');
    expect(loki.spec.egress).toBeUndefined();
  });

  test('GIVEN the multi-cluster layout WHEN the hop is tried THEN workload collectors reach the gateway address, the gateway accepts clients, and agents do not dial out', () => {
    const clusters = renderExample('multi-cluster.yaml');
    const mgmt = clusters[0].file.objects;
    const mgmtPods = podsOf(mgmt);
    const mgmtPolicies = mgmt.filter((o) => o.kind === 'NetworkPolicy');
    expect(connectionAllowed(mgmtPolicies, INTERNET, mgmtPods.get('otel-gateway')!, 4317)).toBe(true);
    expect(connectionAllowed(mgmtPolicies, INTERNET, mgmtPods.get('otel-gateway')!, 13133)).toBe(false);
    expect(connectionAllowed(mgmtPolicies, mgmtPods.get('otel-gateway')!, mgmtPods.get('prometheus')!, 9090)).toBe(true);
    expect(connectionAllowed(mgmtPolicies, mgmtPods.get('otel-gateway')!, mgmtPods.get('grafana')!, 3000)).toBe(false);
    const workload = clusters[1].file.objects;
    const pods = podsOf(workload);
    const policies = workload.filter((o) => o.kind === 'NetworkPolicy');
    for (const c of ['otel-logs', 'otel-traces', 'otel-metrics']) expect({ c, ok: connectionAllowed(policies, pods.get(c)!, INTERNET, 4317) }).toEqual({ c, ok: true });
    expect(connectionAllowed(policies, pods.get('otel-agent')!, INTERNET, 4317)).toBe(false);
  });
});

describe('NetworkPolicies from the wiring of a small chart', () => {
  function lokiChart(wire: { grafana: boolean }) {
    const chart = newChart('telemetry');
    const loki = new Loki(chart, 'loki');
    new LogsCollector(chart, 'logs', { loki });
    new Grafana(chart, 'grafana', wire.grafana ? { loki } : {});
    new NetworkPolicies(chart, 'network');
    return { chart, objects: synth(chart) };
  }

  test('GIVEN Loki, a logs collector and Grafana wired to Loki WHEN synthesized THEN Loki admits exactly those two on 3100 and dials nothing', () => {
    const { objects } = lokiChart({ grafana: true });
    const loki = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-loki');
    expect(loki).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'allow-loki',
        namespace: 'telemetry',
        labels: {
          'app.kubernetes.io/name': 'network-policy',
          'app.kubernetes.io/instance': 'loki',
          'app.kubernetes.io/part-of': 'lgtm',
          'app.kubernetes.io/managed-by': 'otel-lgtm-k8s',
        },
      },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'loki', 'app.kubernetes.io/name': 'loki' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'grafana', 'app.kubernetes.io/name': 'grafana' } } },
              { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'otel-logs', 'app.kubernetes.io/name': 'opentelemetry-collector' } } },
            ],
            ports: [{ protocol: 'TCP', port: 3100 }],
          },
        ],
      },
    });
    const grafana = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-grafana');
    expect(grafana.spec.egress).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }] },
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'loki', 'app.kubernetes.io/name': 'loki' } } }], ports: [{ protocol: 'TCP', port: 3100 }] },
    ]);
    expect(grafana.spec.ingress).toBeUndefined();
  });

  test('GIVEN Grafana without Loki wired WHEN synthesized THEN removing the wire closes the path both ways', () => {
    const pods = (objects: any[]) => podsOf(objects);
    const wired = lokiChart({ grafana: true }).objects;
    const unwired = lokiChart({ grafana: false }).objects;
    const allowed = (objects: any[]) => connectionAllowed(objects.filter((o) => o.kind === 'NetworkPolicy'), pods(objects).get('grafana')!, pods(objects).get('loki')!, 3100);
    expect(allowed(wired)).toBe(true);
    expect(allowed(unwired)).toBe(false);
    // Grafana wired to nothing dials nothing, not even DNS.
    expect(unwired.find((o) => o.metadata.name === 'allow-grafana').spec.egress).toBeUndefined();
  });

  test('GIVEN Prometheus told to scrape Tempo after the policies exist WHEN synthesized THEN the path opens anyway (policies render at synthesis)', () => {
    const chart = newChart('telemetry');
    const prometheus = new Prometheus(chart, 'prometheus');
    const tempo = new Tempo(chart, 'tempo');
    new NetworkPolicies(chart, 'network');
    let objects = synth(chart);
    const allowed = () => connectionAllowed(objects.filter((o) => o.kind === 'NetworkPolicy'), podsOf(objects).get('prometheus')!, podsOf(objects).get('tempo')!, 3200);
    expect(allowed()).toBe(false);
    prometheus.scrape(tempo);
    objects = synth(chart);
    expect(allowed()).toBe(true);
  });

  test('GIVEN a Grafana created after the policies WHEN synthesized THEN it gets its own allow policy', () => {
    const chart = newChart('telemetry');
    new NetworkPolicies(chart, 'network');
    new Grafana(chart, 'grafana');
    expect(synth(chart).filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name)).toEqual(['default-deny', 'allow-grafana']);
  });

  test('GIVEN an extra allow and settings WHEN synthesized THEN the path opens on exactly its port and the CIDRs are used', () => {
    const chart = newChart('telemetry');
    const prometheus = new Prometheus(chart, 'prometheus');
    new Grafana(chart, 'grafana', { prometheus });
    prometheus.addScrapeConfig({ job_name: 'pods', kubernetes_sd_configs: [{ role: 'pod' }] });
    new NetworkPolicies(chart, 'network', {
      apiServer: { cidrs: ['10.0.0.1/32'], ports: [6443] },
      dns: { namespace: 'dns', podLabels: { app: 'coredns' } },
      allow: [{ workload: 'grafana', from: { namespaces: ['ingress-nginx'], podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } }, ports: [3000] }],
    });
    const objects = synth(chart);
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const grafana = podsOf(objects).get('grafana')!;
    const ingress: PodAt = { kind: 'pod', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
    expect(connectionAllowed(policies, ingress, grafana, 3000)).toBe(true);
    expect(connectionAllowed(policies, ingress, grafana, 3001)).toBe(false);
    expect(connectionAllowed(policies, { ...ingress, namespace: 'elsewhere' }, grafana, 3000)).toBe(false);
    const prom = policies.find((p) => p.metadata.name === 'allow-prometheus');
    expect(prom.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] });
    expect(prom.spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } } }],
      ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }],
    });
    expect(connectionAllowed(policies, podsOf(objects).get('prometheus')!, { kind: 'ip', ip: '10.0.0.2' }, 6443)).toBe(false);
  });

  test.each<[string, () => void, string]>([
    ['an allow naming no workload of the namespace', () => new NetworkPolicies(newChart(), 'n', { allow: [{ workload: 'grafana', from: { namespaces: ['x'] }, ports: [3000] }] }), 'networkPolicy.allow[0].workload: "grafana" is invalid'],
    ['an allow with both from and to', () => new NetworkPolicies(newChart(), 'n', { allow: [{ workload: 'grafana', from: { cidrs: ['10.0.0.0/8'] }, to: { cidrs: ['10.0.0.0/8'] }, ports: [3000] }] }), 'networkPolicy.allow[0].from / networkPolicy.allow[0].to'],
    ['a CIDR with host bits', () => new NetworkPolicies(newChart(), 'n', { apiServer: { cidrs: ['10.0.0.1/8'] } }), 'networkPolicy.apiServer.cidrs[0]: "10.0.0.1/8" is invalid'],
    ['pods and CIDRs in one peer', () => new NetworkPolicies(newChart(), 'n', { allow: [{ workload: 'x', to: { namespaces: ['a'], cidrs: ['10.0.0.0/8'] }, ports: [1] }] }), 'networkPolicy.allow[0].to: "pods and cidrs" is invalid'],
    ['a system namespace', () => new NetworkPolicies(newChart('kube-system'), 'n'), 'networkPolicy.namespace: "kube-system" is invalid'],
    ['a bad DNS label value', () => new NetworkPolicies(newChart(), 'n', { dns: { podLabels: { app: 'core dns' } } }), 'networkPolicy.dns.podLabels.app: "core dns" is invalid'],
  ])('GIVEN %s WHEN constructing NetworkPolicies THEN it is refused naming the field', (_what, make, says) => {
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(says);
  });
});

describe('network options of the config file', () => {
  const BASE: LgtmConfig = { layout: 'per-cluster', clusterName: 'c1' };

  test('GIVEN an extra allow in the config WHEN rendered THEN the ingress controller reaches Grafana', () => {
    const [{ file }] = renderConfig({ ...BASE, networkPolicy: { allow: [{ workload: 'grafana', from: { namespaces: ['ingress-nginx'] }, ports: [3000] }] } });
    const policies = file.objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(connectionAllowed(policies, { kind: 'pod', namespace: 'ingress-nginx', labels: {} }, podsOf(file.objects).get('grafana')!, 3000)).toBe(true);
  });

  test('GIVEN metricsExport pull WHEN rendered THEN Prometheus may scrape the collector’s exporter port and the collector no longer reaches Prometheus', () => {
    const [{ chart, file }] = renderConfig({ ...BASE, collectors: { metricsExport: 'pull' } });
    const pods = podsOf(file.objects);
    const policies = file.objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(connectionAllowed(policies, pods.get('prometheus')!, pods.get('otel-metrics')!, 8889)).toBe(true);
    expect(connectionAllowed(policies, pods.get('otel-metrics')!, pods.get('prometheus')!, 9090)).toBe(false);
    expect(edgeVerdicts(chart, file.objects).filter((v) => !v.allowed)).toEqual([]);
  });

  test('GIVEN networkPolicy.enabled false WHEN rendered THEN no NetworkPolicy is rendered', () => {
    const [{ file }] = renderConfig({ ...BASE, networkPolicy: { enabled: false } });
    expect(file.objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('GIVEN an allow naming a workload this layout does not run WHEN validated THEN the error names the field and lists the workloads', () => {
    expect(() => validateConfig({ ...BASE, grafana: { enabled: false }, networkPolicy: { allow: [{ workload: 'grafana', from: { namespaces: ['x'] }, ports: [3000] }] } }, 'c.yaml')).toThrow(
      /networkPolicy\.allow\[0\]\.workload: "grafana" is invalid; allowed: a workload this deployment runs: "loki", "otel-agent", "otel-logs", "otel-metrics", "otel-traces", "prometheus", "tempo"/,
    );
  });

  test('GIVEN a multi-cluster allow naming Grafana WHEN rendered THEN it applies in the management cluster only', () => {
    const mc = loadConfigFile(path.join(EXAMPLES, 'multi-cluster.yaml')).config;
    const clusters = renderConfig({ ...mc, networkPolicy: { allow: [{ workload: 'grafana', from: { namespaces: ['ingress-nginx'] }, ports: [3000] }] } });
    expect(clusters.map((c) => NetworkWiring.of(c.chart).edges.filter((e) => e.reason.startsWith('extra allow')).length)).toEqual([1, 0, 0]);
  });
});

describe('namespaces the stack may own', () => {
  test.each(['kube-system', 'kube-public', 'kube-node-lease', 'default'])('GIVEN %s WHEN used for the stack namespace THEN the construct refuses it naming the field', (ns) => {
    expect(() => new TelemetryNamespace(new Chart(new App(), 'c'), 'ns', { name: ns })).toThrow(`namespace: "${ns}" is invalid`);
    expect(() => new Loki(newChart(), 'loki', { namespace: ns })).toThrow(`loki.namespace: "${ns}" is invalid`);
    // A component in a Chart of that namespace is refused as well (not only an explicit prop).
    expect(() => new Grafana(newChart(ns), 'grafana')).toThrow(`grafana.namespace: "${ns}" is invalid`);
  });

  test('GIVEN a Chart without a namespace WHEN a component falls back to "default" THEN it is refused, and nothing joined the tree', () => {
    const chart = new Chart(new App(), 'c');
    expect(() => new Prometheus(chart, 'prometheus')).toThrow('prometheus.namespace: "default" is invalid');
    expect(chart.node.tryFindChild('prometheus')).toBeUndefined();
  });

  test('GIVEN the stack namespace WHEN rendered THEN it enforces, audits and warns with the restricted Pod Security Standard', () => {
    const [{ file }] = renderExample('per-cluster.yaml');
    const ns = file.objects.find((o) => o.kind === 'Namespace');
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
  });
});
