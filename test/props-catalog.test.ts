/**
 * The catalog of bad props through the library API: every construct checks
 * its props at construction, before it joins the construct tree, and throws a
 * ValidationError naming the prop (never a construct path), the value (never a
 * credential-like one) and what is allowed. Each case is one realistic mistake.
 */
import { App, Chart } from 'cdk8s';
import { GatewayTelemetryPolicies } from '../components/gateway-policies';
import { Grafana } from '../components/grafana';
import { LogsCollector, MetricsCollector, NodeAgent, TelemetryGateway, TracesCollector } from '../components/collector';
import { Loki } from '../components/loki';
import { Prometheus } from '../components/prometheus';
import { Tempo } from '../components/tempo';
import { ValidationError } from '../lib/validation';
import { TelemetryBackends } from '../stacks/backends';
import { TelemetryCollection } from '../stacks/collection';
import { PerClusterStack } from '../stacks/per-cluster';

const GATEWAY = { host: 'otlp.example.com', ca: { name: 'gw-ca', key: 'ca.crt' }, auth: { bearerToken: { name: 'gw-token', key: 'token' } } };

interface PropsCase {
  readonly what: string;
  /** The class named in the message (`<Class> props`). */
  readonly cls: string;
  /** Builds the construct under test in `chart` (other components it needs are made in `deps`). */
  readonly build: (chart: Chart, deps: Chart) => unknown;
  readonly field: string;
  readonly says: string;
}

function backends(deps: Chart) {
  return {
    prometheus: new Prometheus(deps, 'prometheus'),
    loki: new Loki(deps, 'loki'),
    tempo: new Tempo(deps, 'tempo'),
  };
}

const cases: PropsCase[] = [
  { what: 'a Loki retention under 24h', cls: 'Loki', build: (c) => new Loki(c, 'x', { retention: '1h' }), field: 'loki.retention', says: '"1h" is invalid; allowed: a duration' },
  { what: 'a Loki tenant with a space', cls: 'Loki', build: (c) => new Loki(c, 'x', { tenant: 'team a' }), field: 'loki.tenant', says: 'a Loki tenant ID' },
  { what: 'a Loki name too long for a StatefulSet', cls: 'Loki', build: (c) => new Loki(c, 'x', { name: `l${'o'.repeat(52)}` }), field: 'loki.name', says: 'at most 52' },
  { what: 'a Loki bucket given as a URL', cls: 'Loki', build: (c) => new Loki(c, 'x', { storage: { s3: { endpoint: 'https://s3.amazonaws.com', bucket: 'logs-x', credentials: { accessKeyId: { name: 's', key: 'a' }, secretAccessKey: { name: 's', key: 'b' } } } } }), field: 'loki.storage.s3.endpoint', says: 'no scheme' },
  { what: 'a Loki props typo (JavaScript caller)', cls: 'Loki', build: (c) => new Loki(c, 'x', { retension: '30d' } as any), field: 'loki.retension', says: 'did you mean "retention"?' },
  { what: 'a Loki zero volume', cls: 'Loki', build: (c) => new Loki(c, 'x', { storage: { volume: { size: '0' } } }), field: 'loki.storage.volume.size', says: 'greater than zero' },
  { what: 'a Tempo retention in Go-only syntax', cls: 'Tempo', build: (c) => new Tempo(c, 'x', { retention: '1.5h' }), field: 'tempo.retention', says: '"1.5h" is invalid' },
  { what: 'a Tempo retention beyond 292 years', cls: 'Tempo', build: (c) => new Tempo(c, 'x', { retention: '300y' }), field: 'tempo.retention', says: 'at most about 292y' },
  { what: 'a Tempo generator without a Prometheus construct', cls: 'Tempo', build: (c) => new Tempo(c, 'x', { metricsGenerator: { prometheus: {} as any } }), field: 'tempo.metricsGenerator.prometheus', says: 'a Prometheus component' },
  { what: 'Tempo traceqlMetrics as a string', cls: 'Tempo', build: (c) => new Tempo(c, 'x', { traceqlMetrics: 'yes' as any }), field: 'tempo.traceqlMetrics', says: 'true or false' },
  { what: 'a Prometheus retention size above the volume', cls: 'Prometheus', build: (c) => new Prometheus(c, 'x', { retention: { size: '30GB' }, storage: { volume: { size: '20Gi' } } }), field: 'prometheus.retention.size', says: 'a size smaller than the volume' },
  { what: 'a Prometheus scrape interval beyond 292y', cls: 'Prometheus', build: (c) => new Prometheus(c, 'x', { scrapeInterval: '300y' }), field: 'prometheus.scrapeInterval', says: 'at most about 292y' },
  { what: 'a reserved Prometheus external label', cls: 'Prometheus', build: (c) => new Prometheus(c, 'x', { externalLabels: { __tenant: 'a' } }), field: 'prometheus.externalLabels.__tenant', says: 'does not start with "__"' },
  { what: 'a Prometheus scrape job named like the self-scrape', cls: 'Prometheus', build: (c) => new Prometheus(c, 'x', { scrapeConfigs: [{ job_name: 'prometheus' }] }), field: 'prometheus.scrapeConfigs[0].job_name', says: 'a job name not used yet' },
  { what: 'Prometheus max exemplars as a fraction', cls: 'Prometheus', build: (c) => new Prometheus(c, 'x', { maxExemplars: 0.5 }), field: 'prometheus.maxExemplars', says: 'an integer from 0 to 100000000' },
  { what: 'a rule whose PromQL does not parse', cls: 'Prometheus.addRules', build: (_c, d) => new Prometheus(d, 'p2').addRules('slo', [{ name: 'g', rules: [{ alert: 'A', expr: 'sum(rate(up[5m])' }] }]), field: 'prometheus.addRules("slo").groups[0].rules[0].expr', says: 'a PromQL expression that parses' },
  { what: 'a rule with a for of "5 minutes"', cls: 'Prometheus.addRules', build: (_c, d) => new Prometheus(d, 'p3').addRules('slo', [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', for: '5 minutes' }] }]), field: 'prometheus.addRules("slo").groups[0].rules[0].for', says: '"5 minutes" is invalid' },
  { what: 'a Grafana admin Secret with a bad name', cls: 'Grafana', build: (c) => new Grafana(c, 'x', { adminSecret: { name: 'Grafana Admin' } }), field: 'grafana.adminSecret.name', says: 'not shown: it may be a credential' },
  { what: 'a Grafana rootUrl without scheme', cls: 'Grafana', build: (c) => new Grafana(c, 'x', { rootUrl: 'grafana.example.com' }), field: 'grafana.rootUrl', says: 'an http:// or https:// URL' },
  { what: 'three Grafana replicas', cls: 'Grafana', build: (c) => new Grafana(c, 'x', { replicas: 3 }), field: 'grafana.replicas', says: '0 or 1' },
  { what: 'a dashboard whose PromQL does not parse', cls: 'Grafana.addDashboard', build: (_c, d) => new Grafana(d, 'g2').addDashboard('Apps', 'app', { title: 'App', panels: [{ datasource: { type: 'prometheus', uid: 'prometheus' }, targets: [{ expr: 'rate(http_requests_total[5m]' }] }] }), field: 'json.panels[0].targets[0].expr', says: 'a PromQL expression that parses' },
  { what: 'a logs collector with 51 replicas', cls: 'LogsCollector', build: (c, d) => new LogsCollector(c, 'x', { loki: backends(d).loki, replicas: 51 }), field: 'logsCollector.replicas', says: 'an integer from 1 to 50' },
  { what: 'a logs collector with both Loki and a gateway', cls: 'LogsCollector', build: (c, d) => new LogsCollector(c, 'x', { loki: backends(d).loki, gateway: GATEWAY }), field: 'logsCollector.loki / logsCollector.gateway', says: '"both given"' },
  { what: 'a traces collector in DaemonSet mode with replicas', cls: 'TracesCollector', build: (c, d) => new TracesCollector(c, 'x', { tempo: backends(d).tempo, mode: 'DaemonSet', replicas: 2 }), field: 'tracesCollector.replicas', says: 'unset in DaemonSet mode' },
  { what: 'a traces collector with a cluster name in capitals', cls: 'TracesCollector', build: (c, d) => new TracesCollector(c, 'x', { tempo: backends(d).tempo, clusterName: 'Prod' }), field: 'tracesCollector.clusterName', says: 'a cluster name' },
  { what: 'a metrics collector pulling in DaemonSet mode', cls: 'MetricsCollector', build: (c, d) => new MetricsCollector(c, 'x', { prometheus: backends(d).prometheus, mode: 'DaemonSet', export: 'pull' }), field: 'metricsCollector.export', says: '"push" in DaemonSet mode' },
  { what: 'a metrics collector gateway port out of range', cls: 'MetricsCollector', build: (c) => new MetricsCollector(c, 'x', { gateway: { ...GATEWAY, port: 65536 } }), field: 'metricsCollector.gateway.port', says: 'an integer port from 1 to 65535' },
  { what: 'a metrics collector scrape interval "30"', cls: 'MetricsCollector', build: (c, d) => new MetricsCollector(c, 'x', { prometheus: backends(d).prometheus, scrapeInterval: '30' }), field: 'metricsCollector.scrapeInterval', says: '"30" is invalid' },
  { what: 'a node agent allowlist with a quote', cls: 'NodeAgent', build: (c) => new NodeAgent(c, 'x', { clusterName: 'c1', forwardTo: { gateway: GATEWAY }, metricAllowlist: ['up', 'a"b'] }), field: 'nodeAgent.metricAllowlist[1]', says: 'an OpenTelemetry or Prometheus metric name' },
  { what: 'a node agent gateway CA without key', cls: 'NodeAgent', build: (c) => new NodeAgent(c, 'x', { clusterName: 'c1', forwardTo: { gateway: { ...GATEWAY, ca: { name: 'gw-ca' } as any } } }), field: 'nodeAgent.forwardTo.gateway.ca.key', says: 'a required field' },
  { what: 'a telemetry gateway with zero replicas', cls: 'TelemetryGateway', build: (c, d) => new TelemetryGateway(c, 'x', { ...backends(d), tls: { secretName: 'gw-tls' }, auth: { bearerTokens: { name: 'a', key: 'b' } }, replicas: 0 }), field: 'telemetryGateway.replicas', says: 'an integer from 1 to 50' },
  { what: 'a telemetry gateway TLS Secret with capitals', cls: 'TelemetryGateway', build: (c, d) => new TelemetryGateway(c, 'x', { ...backends(d), tls: { secretName: 'GW-TLS' }, auth: { bearerTokens: { name: 'a', key: 'b' } } }), field: 'telemetryGateway.tls.secretName', says: 'a kubernetes.io/tls Secret' },
  { what: 'gateway policies with sampling 101', cls: 'GatewayTelemetryPolicies', build: (c, d) => new GatewayTelemetryPolicies(c, 'x', { gateways: [{ name: 'http', namespace: 'gw' }], traces: new TracesCollector(d, 't', { tempo: backends(d).tempo }), tracing: { randomSampling: 101 } }), field: 'gatewayTelemetry.tracing.randomSampling', says: 'an integer percentage from 0 to 100' },
  { what: 'gateway policies without any Gateway', cls: 'GatewayTelemetryPolicies', build: (c, d) => new GatewayTelemetryPolicies(c, 'x', { gateways: [], logs: new LogsCollector(d, 'l', { loki: backends(d).loki }) }), field: 'gatewayTelemetry.gateways', says: 'a non-empty list of Gateways' },
  { what: 'a collection with replicas in DaemonSet mode', cls: 'TelemetryCollection', build: (c) => new TelemetryCollection(c, 'x', { namespace: 't', clusterName: 'c1', destination: { gateway: GATEWAY }, collectors: { mode: 'DaemonSet', replicas: 2 } }), field: 'collectors.replicas', says: 'unset in DaemonSet mode' },
  { what: 'a collection pulling metrics through a gateway', cls: 'TelemetryCollection', build: (c) => new TelemetryCollection(c, 'x', { namespace: 't', clusterName: 'c1', destination: { gateway: GATEWAY }, collectors: { metricsExport: 'pull' } }), field: 'collectors.metricsExport', says: 'export to the telemetry gateway' },
  { what: 'a collection with a Gateway listed twice', cls: 'TelemetryCollection', build: (c) => new TelemetryCollection(c, 'x', { namespace: 't', clusterName: 'c1', destination: { gateway: GATEWAY }, gatewayPolicies: { gateways: [{ name: 'h', namespace: 'g' }, { name: 'h', namespace: 'g' }] } }), field: 'gatewayPolicies.gateways[1]', says: 'each Gateway listed once' },
  { what: 'a collection without cluster name', cls: 'TelemetryCollection', build: (c) => new TelemetryCollection(c, 'x', { namespace: 't', destination: { gateway: GATEWAY } } as any), field: 'clusterName', says: 'a cluster name' },
  { what: 'backends with a bad Loki retention', cls: 'TelemetryBackends', build: (c) => new TelemetryBackends(c, 'x', { namespace: 't', loki: { retention: '5x' } }), field: 'loki.retention', says: '"5x" is invalid' },
  { what: 'a layout chart given an unvalidated config', cls: 'PerClusterStack config', build: (c) => new PerClusterStack(c.node.scope as App, 'raw', { layout: 'per-cluster', clusterName: 'c1', collectors: { replicas: 99 } }), field: 'collectors.replicas', says: 'an integer from 1 to 50' },
];

describe('catalog of bad props through the library constructs', () => {
  test('GIVEN the catalog WHEN counted THEN it holds at least 30 distinct mistakes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.what)).size).toBe(cases.length);
  });

  test.each(cases.map((c) => [c.what, c] as const))('GIVEN %s WHEN constructing THEN a ValidationError names the prop, value and allowed, and nothing joins the tree', (_what, c) => {
    const app = new App();
    const chart = new Chart(app, 'lib', { namespace: 'telemetry', disableResourceNameHashes: true });
    const deps = new Chart(app, 'deps', { namespace: 'telemetry', disableResourceNameHashes: true });
    let error: unknown;
    try {
      c.build(chart, deps);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const err = error as ValidationError;
    expect(err.message).toMatch(new RegExp(`^Invalid configuration in ${c.cls.replace('.', '\\.')}( props)?:\\n`));
    const line = err.message.split('\n').find((l) => l.startsWith(`  - ${c.field}: `));
    expect({ field: c.field, line }).toEqual({ field: c.field, line: expect.stringContaining(c.says) });
    // Never a construct path.
    expect(err.message).not.toMatch(/\b(lib|deps)\/[a-z]/);
    // Nothing was added to the chart under test.
    expect(chart.node.children).toEqual([]);
    expect(app.node.tryFindChild('raw')).toBeUndefined();
  });
});
