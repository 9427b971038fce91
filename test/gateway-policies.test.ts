import { ReferenceGrant as ReferenceGrantModel } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import {
  DEFAULT_ACCESS_LOG_BODY,
  gatewayRef,
  GatewayTelemetryPolicies,
  GatewayTelemetryPoliciesProps,
  OtlpGrpcCollector,
  planReferenceGrants,
  referenceGrantName,
} from '../components/gateway-policies';
import { Endpoint } from '../lib/endpoint';
import { IMAGES, imageVersion } from '../lib/images';
import { ValidationError } from '../lib/validation';
import { httpProbe, Workload } from '../lib/workload';
import { CrdValidator, describeWithCrds } from './support/crd-schema';
import { podPolicyViolations } from './support/restricted';
import { find, newChart, schemaErrors, synth } from './support/synth';

/**
 * A small real stand-in for the collector components: a lib Workload with an
 * `otlp-grpc` port 4317, exposing `endpoints.otlpGrpc` via workload.endpoint.
 */
class StandInCollector extends Construct implements OtlpGrpcCollector {
  public readonly endpoints: { readonly otlpGrpc: Endpoint };

  constructor(scope: Construct, id: string, props: { name: string; namespace: string }) {
    super(scope, id);
    const workload = new Workload(this, 'workload', {
      identity: {
        name: props.name,
        app: 'opentelemetry-collector',
        component: 'collector',
        version: imageVersion(IMAGES.otelCollectorContrib),
        namespace: props.namespace,
      },
      kind: 'Deployment',
      image: IMAGES.otelCollectorContrib,
      runAs: { user: 10001, group: 10001 },
      ports: [
        { name: 'otlp-grpc', port: 4317, protocol: 'grpc' },
        { name: 'otlp-http', port: 4318, protocol: 'http' },
        { name: 'health', port: 13133, protocol: 'http' },
      ],
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
      readinessProbe: httpProbe('/', 'health'),
      livenessProbe: httpProbe('/', 'health'),
    });
    this.endpoints = { otlpGrpc: workload.endpoint('otlp-grpc') };
  }
}

const LABELS = (component: string, instance: string) => ({
  'app.kubernetes.io/name': 'kgateway-telemetry',
  'app.kubernetes.io/instance': instance,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/part-of': 'lgtm',
  'app.kubernetes.io/managed-by': 'otel-lgtm-k8s',
});

const KINDS = new Set(['HTTPListenerPolicy', 'ListenerPolicy', 'ReferenceGrant']);

/** A chart with logs and traces stand-in collectors in `telemetry`. */
function setup(chartNamespace = 'telemetry') {
  const chart = newChart(chartNamespace);
  const logs = new StandInCollector(chart, 'logs', { name: 'otel-logs', namespace: 'telemetry' });
  const traces = new StandInCollector(chart, 'traces', { name: 'otel-traces', namespace: 'telemetry' });
  return { chart, logs, traces };
}

/** kgateway 2.1: these tests assert HTTPListenerPolicy objects unless they ask for a kind or version themselves. */
const KGATEWAY_2_1 = { kgatewayVersion: '2.1' } as const;

function render(props: (c: ReturnType<typeof setup>) => GatewayTelemetryPoliciesProps, chartNamespace?: string) {
  const s = setup(chartNamespace);
  const p = props(s);
  const policies = new GatewayTelemetryPolicies(s.chart, 'gateway-telemetry', p.api === undefined && p.kgatewayVersion === undefined ? { ...KGATEWAY_2_1, ...p } : p);
  const objects = synth(s.chart);
  return { ...s, policies, objects, crs: objects.filter((o) => KINDS.has(o.kind)) };
}

const ids = (objects: any[]) => objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort();

/** The error thrown by a function, asserted to be a ValidationError. */
function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('GatewayTelemetryPolicies', () => {
  test('GIVEN a Gateway in the collectors namespace WHEN rendered THEN exact access-log and tracing HTTPListenerPolicies and no ReferenceGrant', () => {
    const { crs } = render(({ logs, traces }) => ({ gateways: [{ name: 'http', namespace: 'telemetry' }], logs, traces }));
    expect(ids(crs)).toEqual(['HTTPListenerPolicy/telemetry/http-access-logs', 'HTTPListenerPolicy/telemetry/http-tracing']);
    expect(find(crs, 'HTTPListenerPolicy', 'http-access-logs')).toEqual({
      apiVersion: 'gateway.kgateway.dev/v1alpha1',
      kind: 'HTTPListenerPolicy',
      metadata: { name: 'http-access-logs', namespace: 'telemetry', labels: LABELS('access-logs', 'http') },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'http' }],
        accessLog: [
          {
            openTelemetry: {
              grpcService: { backendRef: { name: 'otel-logs', namespace: 'telemetry', port: 4317 }, logName: 'http-access-logs' },
              body: '%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %RESPONSE_CODE% "%REQ(:AUTHORITY)%" "%UPSTREAM_CLUSTER%"',
            },
          },
        ],
      },
    });
    expect(find(crs, 'HTTPListenerPolicy', 'http-tracing')).toEqual({
      apiVersion: 'gateway.kgateway.dev/v1alpha1',
      kind: 'HTTPListenerPolicy',
      metadata: { name: 'http-tracing', namespace: 'telemetry', labels: LABELS('tracing', 'http') },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'http' }],
        tracing: {
          provider: { openTelemetry: { serviceName: 'http', grpcService: { backendRef: { name: 'otel-traces', namespace: 'telemetry', port: 4317 } } } },
          spawnUpstreamSpan: true,
        },
      },
    });
  });

  test('GIVEN the kgateway guide setup (Gateway http in kgateway-system, collectors in telemetry) WHEN rendered THEN the guide specs and grants with exact from/to', () => {
    const { crs, policies } = render(({ logs, traces }) => ({
      gateways: [{ name: 'http', namespace: 'kgateway-system', logName: 'http-gateway-access-logs' }],
      logs,
      traces,
    }));
    // The hand-written YAML of the guide, with its body's stray quotes removed.
    expect(find(crs, 'HTTPListenerPolicy', 'http-access-logs').spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'http' }],
      accessLog: [
        {
          openTelemetry: {
            grpcService: { backendRef: { name: 'otel-logs', namespace: 'telemetry', port: 4317 }, logName: 'http-gateway-access-logs' },
            body: DEFAULT_ACCESS_LOG_BODY,
          },
        },
      ],
    });
    expect(find(crs, 'HTTPListenerPolicy', 'http-tracing').metadata.namespace).toBe('kgateway-system');
    const grants = crs.filter((o) => o.kind === 'ReferenceGrant');
    expect(grants).toEqual([
      {
        apiVersion: 'gateway.networking.k8s.io/v1beta1',
        kind: 'ReferenceGrant',
        metadata: { name: 'allow-httplistenerpolicy.kgateway-system.to.otel-logs', namespace: 'telemetry', labels: LABELS('reference-grant', 'otel-logs') },
        spec: {
          from: [{ group: 'gateway.kgateway.dev', kind: 'HTTPListenerPolicy', namespace: 'kgateway-system' }],
          to: [{ group: '', kind: 'Service', name: 'otel-logs' }],
        },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1beta1',
        kind: 'ReferenceGrant',
        metadata: { name: 'allow-httplistenerpolicy.kgateway-system.to.otel-traces', namespace: 'telemetry', labels: LABELS('reference-grant', 'otel-traces') },
        spec: {
          from: [{ group: 'gateway.kgateway.dev', kind: 'HTTPListenerPolicy', namespace: 'kgateway-system' }],
          to: [{ group: '', kind: 'Service', name: 'otel-traces' }],
        },
      },
    ]);
    expect(policies.referenceGrants).toHaveLength(2);
    expect(policies.policies).toHaveLength(2);
  });

  test('GIVEN Gateways in several namespaces WHEN rendered THEN one policy pair per Gateway and one grant per (Service, policy namespace, kind), no duplicates', () => {
    const { crs } = render(({ logs, traces }) => ({
      gateways: [
        { name: 'public', namespace: 'edge' },
        { name: 'internal', namespace: 'edge' },
        { name: 'api', namespace: 'apps' },
        { name: 'local', namespace: 'telemetry' },
      ],
      logs,
      traces,
    }));
    expect(ids(crs.filter((o) => o.kind === 'HTTPListenerPolicy'))).toEqual([
      'HTTPListenerPolicy/apps/api-access-logs',
      'HTTPListenerPolicy/apps/api-tracing',
      'HTTPListenerPolicy/edge/internal-access-logs',
      'HTTPListenerPolicy/edge/internal-tracing',
      'HTTPListenerPolicy/edge/public-access-logs',
      'HTTPListenerPolicy/edge/public-tracing',
      'HTTPListenerPolicy/telemetry/local-access-logs',
      'HTTPListenerPolicy/telemetry/local-tracing',
    ]);
    for (const p of crs.filter((o) => o.kind === 'HTTPListenerPolicy')) {
      const gateway = p.metadata.name.replace(/-(access-logs|tracing)$/, '');
      expect(p.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway }]);
    }
    expect(find(crs, 'HTTPListenerPolicy', 'internal-tracing').spec.tracing.provider.openTelemetry.serviceName).toBe('internal');
    const grants = crs.filter((o) => o.kind === 'ReferenceGrant');
    expect(grants.map((g) => [g.metadata.namespace, g.spec.from, g.spec.to])).toEqual([
      ['telemetry', [{ group: 'gateway.kgateway.dev', kind: 'HTTPListenerPolicy', namespace: 'apps' }], [{ group: '', kind: 'Service', name: 'otel-logs' }]],
      ['telemetry', [{ group: 'gateway.kgateway.dev', kind: 'HTTPListenerPolicy', namespace: 'apps' }], [{ group: '', kind: 'Service', name: 'otel-traces' }]],
      ['telemetry', [{ group: 'gateway.kgateway.dev', kind: 'HTTPListenerPolicy', namespace: 'edge' }], [{ group: '', kind: 'Service', name: 'otel-logs' }]],
      ['telemetry', [{ group: 'gateway.kgateway.dev', kind: 'HTTPListenerPolicy', namespace: 'edge' }], [{ group: '', kind: 'Service', name: 'otel-traces' }]],
    ]);
    expect(new Set(ids(grants)).size).toBe(grants.length);
  });

  test('GIVEN one collector Service for logs and traces WHEN Gateways sit in two namespaces THEN one grant per namespace', () => {
    const { crs } = render(({ logs }) => ({
      gateways: [
        { name: 'a', namespace: 'edge' },
        { name: 'b', namespace: 'apps' },
      ],
      logs,
      traces: logs,
    }));
    expect(ids(crs.filter((o) => o.kind === 'ReferenceGrant'))).toEqual([
      'ReferenceGrant/telemetry/allow-httplistenerpolicy.apps.to.otel-logs',
      'ReferenceGrant/telemetry/allow-httplistenerpolicy.edge.to.otel-logs',
    ]);
  });

  test('GIVEN api ListenerPolicy WHEN rendered THEN the settings sit under spec.default.httpSettings and grants name kind ListenerPolicy', () => {
    const { crs } = render(({ logs, traces }) => ({
      api: 'ListenerPolicy',
      gateways: [{ name: 'http', namespace: 'kgateway-system' }],
      logs,
      traces,
      tracing: { randomSampling: 10 },
    }));
    expect(crs.some((o) => o.kind === 'HTTPListenerPolicy')).toBe(false);
    const access = find(crs, 'ListenerPolicy', 'http-access-logs');
    expect(access.apiVersion).toBe('gateway.kgateway.dev/v1alpha1');
    expect(access.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'http' }],
      default: {
        httpSettings: {
          accessLog: [
            {
              openTelemetry: {
                grpcService: { backendRef: { name: 'otel-logs', namespace: 'telemetry', port: 4317 }, logName: 'http-access-logs' },
                body: DEFAULT_ACCESS_LOG_BODY,
              },
            },
          ],
        },
      },
    });
    expect(find(crs, 'ListenerPolicy', 'http-tracing').spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'http' }],
      default: {
        httpSettings: {
          tracing: {
            provider: { openTelemetry: { serviceName: 'http', grpcService: { backendRef: { name: 'otel-traces', namespace: 'telemetry', port: 4317 } } } },
            spawnUpstreamSpan: true,
            randomSampling: 10,
          },
        },
      },
    });
    const grants = crs.filter((o) => o.kind === 'ReferenceGrant');
    expect(grants.map((g) => g.metadata.name)).toEqual(['allow-listenerpolicy.kgateway-system.to.otel-logs', 'allow-listenerpolicy.kgateway-system.to.otel-traces']);
    for (const g of grants) expect(g.spec.from).toEqual([{ group: 'gateway.kgateway.dev', kind: 'ListenerPolicy', namespace: 'kgateway-system' }]);
  });

  test('GIVEN every option WHEN rendered THEN sampling, service name, log name, body and attributes land in the CRD fields', () => {
    const { crs } = render(({ logs, traces }) => ({
      gateways: [{ name: 'edge', namespace: 'kgateway-system', serviceName: 'edge-gateway' }, { name: 'other', namespace: 'kgateway-system' }],
      logs,
      traces,
      accessLog: { logName: 'gateway-access', body: '%RESPONSE_CODE%', attributes: { 'k8s.cluster.name': 'prod', 'deployment.environment': 'production' }, disableBuiltinLabels: true },
      tracing: { serviceName: 'gateways', randomSampling: 25, clientSampling: 100, overallSampling: 0, spawnUpstreamSpan: false, verbose: true },
    }));
    expect(find(crs, 'HTTPListenerPolicy', 'edge-access-logs').spec.accessLog).toEqual([
      {
        openTelemetry: {
          grpcService: { backendRef: { name: 'otel-logs', namespace: 'telemetry', port: 4317 }, logName: 'gateway-access' },
          body: '%RESPONSE_CODE%',
          attributes: {
            values: [
              { key: 'deployment.environment', value: { stringValue: 'production' } },
              { key: 'k8s.cluster.name', value: { stringValue: 'prod' } },
            ],
          },
          disableBuiltinLabels: true,
        },
      },
    ]);
    expect(find(crs, 'HTTPListenerPolicy', 'edge-tracing').spec.tracing).toEqual({
      provider: { openTelemetry: { serviceName: 'edge-gateway', grpcService: { backendRef: { name: 'otel-traces', namespace: 'telemetry', port: 4317 } } } },
      spawnUpstreamSpan: false,
      randomSampling: 25,
      clientSampling: 100,
      overallSampling: 0,
      verbose: true,
    });
    expect(find(crs, 'HTTPListenerPolicy', 'other-tracing').spec.tracing.provider.openTelemetry.serviceName).toBe('gateways');
  });

  test('GIVEN only a logs or only a traces collector WHEN rendered THEN only that policy (and its grant) is rendered', () => {
    const onlyLogs = render(({ logs }) => ({ gateways: [{ name: 'http', namespace: 'edge' }], logs }));
    expect(ids(onlyLogs.crs)).toEqual(['HTTPListenerPolicy/edge/http-access-logs', 'ReferenceGrant/telemetry/allow-httplistenerpolicy.edge.to.otel-logs']);
    const onlyTraces = render(({ traces }) => ({ gateways: [{ name: 'http', namespace: 'edge' }], traces }));
    expect(ids(onlyTraces.crs)).toEqual(['HTTPListenerPolicy/edge/http-tracing', 'ReferenceGrant/telemetry/allow-httplistenerpolicy.edge.to.otel-traces']);
  });

  test('GIVEN referenceGrants false WHEN Gateways are in other namespaces THEN no grant is rendered', () => {
    const { crs } = render(({ logs, traces }) => ({ gateways: [{ name: 'http', namespace: 'edge' }], logs, traces, referenceGrants: false }));
    expect(crs.filter((o) => o.kind === 'ReferenceGrant')).toEqual([]);
  });

  test('GIVEN a chart namespace WHEN a Gateway has no namespace THEN it defaults to the chart namespace, and every object carries an explicit namespace', () => {
    const { crs } = render(({ logs, traces }) => ({ gateways: [{ name: 'http' }, { name: 'api', namespace: 'apps' }], logs, traces }), 'edge');
    expect(ids(crs)).toEqual([
      'HTTPListenerPolicy/apps/api-access-logs',
      'HTTPListenerPolicy/apps/api-tracing',
      'HTTPListenerPolicy/edge/http-access-logs',
      'HTTPListenerPolicy/edge/http-tracing',
      'ReferenceGrant/telemetry/allow-httplistenerpolicy.apps.to.otel-logs',
      'ReferenceGrant/telemetry/allow-httplistenerpolicy.apps.to.otel-traces',
      'ReferenceGrant/telemetry/allow-httplistenerpolicy.edge.to.otel-logs',
      'ReferenceGrant/telemetry/allow-httplistenerpolicy.edge.to.otel-traces',
    ]);
  });

  test('GIVEN the namespace prop WHEN a Gateway has no namespace THEN the prop wins over the chart namespace', () => {
    const { crs } = render(({ logs }) => ({ gateways: [{ name: 'http' }], logs, namespace: 'gateways' }), 'edge');
    expect(find(crs, 'HTTPListenerPolicy', 'http-access-logs').metadata.namespace).toBe('gateways');
  });

  test('GIVEN a cdk8s Gateway object WHEN passed through gatewayRef THEN its name and namespace are used; other kinds are refused', () => {
    const { chart, logs } = setup();
    const gw = new ApiObject(chart, 'gw', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'public', namespace: 'edge' },
    });
    expect(gatewayRef(gw, { logName: 'public-logs' })).toEqual({ name: 'public', namespace: 'edge', logName: 'public-logs' });
    new GatewayTelemetryPolicies(chart, 'p', { ...KGATEWAY_2_1, gateways: [gatewayRef(gw)], logs });
    expect(find(synth(chart), 'HTTPListenerPolicy', 'public-access-logs').metadata.namespace).toBe('edge');
    const route = new ApiObject(chart, 'route', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' } });
    expect(() => gatewayRef(route)).toThrow(/gateway: "gateway.networking.k8s.io\/v1 HTTPRoute" is invalid; allowed: a gateway.networking.k8s.io Gateway/);
  });

  test('GIVEN the stand-in collectors WHEN rendered THEN every backendRef names a Service and port the collector really renders', () => {
    const { objects, crs } = render(({ logs, traces }) => ({ gateways: [{ name: 'http', namespace: 'edge' }, { name: 'api', namespace: 'telemetry' }], logs, traces }));
    const refs = crs
      .filter((o) => o.kind === 'HTTPListenerPolicy')
      .flatMap((p) => [
        ...(p.spec.accessLog ?? []).map((a: any) => a.openTelemetry.grpcService.backendRef),
        ...(p.spec.tracing ? [p.spec.tracing.provider.openTelemetry.grpcService.backendRef] : []),
      ]);
    expect(refs).toHaveLength(4);
    for (const ref of refs) {
      const svc = find(objects, 'Service', ref.name);
      expect(svc.metadata.namespace).toBe(ref.namespace);
      expect(svc.spec.ports).toContainEqual(expect.objectContaining({ name: 'otlp-grpc', port: ref.port, appProtocol: 'kubernetes.io/h2c' }));
    }
    // Every grant's `to` is one of those Services, in the Service's namespace.
    for (const g of crs.filter((o) => o.kind === 'ReferenceGrant')) {
      expect(find(objects, 'Service', g.spec.to[0].name).metadata.namespace).toBe(g.metadata.namespace);
    }
    expect(schemaErrors(objects)).toEqual([]);
    expect(podPolicyViolations(objects)).toEqual([]);
  });

  test('GIVEN a typical cross-namespace setup WHEN synthesized THEN the manifests match the snapshot', () => {
    const { crs } = render(({ logs, traces }) => ({
      gateways: [
        { name: 'http', namespace: 'kgateway-system' },
        { name: 'api', namespace: 'apps' },
      ],
      logs,
      traces,
      tracing: { randomSampling: 50 },
    }));
    expect(new Set(crs.map((o) => o.kind))).toEqual(new Set(['HTTPListenerPolicy', 'ReferenceGrant']));
    expect(crs.filter((o) => o.kind === 'HTTPListenerPolicy')).toHaveLength(4);
    expect(crs.filter((o) => o.kind === 'ReferenceGrant').every((g) => g.spec.from.every((f: any) => f.namespace !== g.metadata.namespace))).toBe(true);
    expect(crs).toMatchSnapshot();
  });
});

describe('planReferenceGrants', () => {
  const ref = (fromNamespace: string, name: string, namespace = 'telemetry', fromKind: 'HTTPListenerPolicy' | 'ListenerPolicy' = 'HTTPListenerPolicy') => ({
    fromKind,
    fromNamespace,
    backendRef: { name, namespace, port: 4317 },
  });

  test('GIVEN same-namespace, repeated and mixed-kind references WHEN planned THEN only cross-namespace ones, once each, sorted', () => {
    expect(
      planReferenceGrants([ref('telemetry', 'logs'), ref('edge', 'logs'), ref('edge', 'logs'), ref('apps', 'logs'), ref('edge', 'logs', 'telemetry', 'ListenerPolicy'), ref('edge', 'logs', 'other')]),
    ).toEqual([
      { name: 'allow-httplistenerpolicy.edge.to.logs', namespace: 'other', from: [{ group: 'gateway.kgateway.dev', kind: 'HTTPListenerPolicy', namespace: 'edge' }], to: [{ group: '', kind: 'Service', name: 'logs' }] },
      { name: 'allow-httplistenerpolicy.apps.to.logs', namespace: 'telemetry', from: [{ group: 'gateway.kgateway.dev', kind: 'HTTPListenerPolicy', namespace: 'apps' }], to: [{ group: '', kind: 'Service', name: 'logs' }] },
      { name: 'allow-httplistenerpolicy.edge.to.logs', namespace: 'telemetry', from: [{ group: 'gateway.kgateway.dev', kind: 'HTTPListenerPolicy', namespace: 'edge' }], to: [{ group: '', kind: 'Service', name: 'logs' }] },
      { name: 'allow-listenerpolicy.edge.to.logs', namespace: 'telemetry', from: [{ group: 'gateway.kgateway.dev', kind: 'ListenerPolicy', namespace: 'edge' }], to: [{ group: '', kind: 'Service', name: 'logs' }] },
    ]);
  });

  test('GIVEN names with dashes WHEN named THEN different (namespace, service) pairs never share a grant name', () => {
    expect(referenceGrantName('HTTPListenerPolicy', 'a-to-b', 'c')).not.toBe(referenceGrantName('HTTPListenerPolicy', 'a', 'b-to-c'));
  });
});

describe('GatewayTelemetryPolicies validation', () => {
  const collector = (e: Partial<ConstructorParameters<typeof Endpoint>[0]> = {}) => ({
    endpoints: { otlpGrpc: new Endpoint({ service: 'otel', namespace: 'telemetry', port: 4317, portName: 'otlp-grpc', protocol: 'grpc', ...e }) },
  });
  const build = (props: Partial<GatewayTelemetryPoliciesProps>) => () =>
    new GatewayTelemetryPolicies(newChart(), 'gw-telemetry', { ...KGATEWAY_2_1, gateways: [{ name: 'http', namespace: 'edge' }], logs: collector(), traces: collector(), ...props });

  test.each([
    ['gateway name', { gateways: [{ name: 'Bad_Name', namespace: 'edge' }] }, 'gatewayTelemetry.gateways[0].name: "Bad_Name" is invalid; allowed: a DNS-1123 label'],
    ['gateway namespace', { gateways: [{ name: 'http', namespace: 'Edge' }] }, 'gatewayTelemetry.gateways[0].namespace: "Edge" is invalid; allowed: a DNS-1123 label'],
    ['no gateways', { gateways: [] }, 'gatewayTelemetry.gateways: [] is invalid; allowed: a non-empty list of Gateways'],
    ['duplicate gateways', { gateways: [{ name: 'http', namespace: 'edge' }, { name: 'http', namespace: 'edge' }] }, 'allowed: each Gateway (namespace/name) at most once'],
    ['random sampling above 100', { tracing: { randomSampling: 101 } }, 'gatewayTelemetry.tracing.randomSampling: 101 is invalid; allowed: an integer percentage from 0 to 100'],
    ['negative client sampling', { tracing: { clientSampling: -1 } }, 'gatewayTelemetry.tracing.clientSampling: -1 is invalid; allowed: an integer percentage from 0 to 100'],
    ['fractional overall sampling', { tracing: { overallSampling: 12.5 } }, 'gatewayTelemetry.tracing.overallSampling: 12.5 is invalid; allowed: an integer percentage from 0 to 100'],
    ['empty logName', { accessLog: { logName: '' } }, 'gatewayTelemetry.accessLog.logName: "" is invalid; allowed: a non-empty string'],
    ['empty per-gateway logName', { gateways: [{ name: 'http', namespace: 'edge', logName: ' ' }] }, 'gatewayTelemetry.gateways[0].logName: " " is invalid; allowed: a non-empty string'],
    ['empty body', { accessLog: { body: '' } }, 'gatewayTelemetry.accessLog.body: "" is invalid; allowed: a non-empty Envoy access-log format string'],
    ['empty serviceName', { tracing: { serviceName: '' } }, 'gatewayTelemetry.tracing.serviceName: "" is invalid; allowed: a non-empty string'],
    ['unknown api', { api: 'TrafficPolicy' as any }, 'gatewayTelemetry.api: "TrafficPolicy" is invalid; allowed: one of "HTTPListenerPolicy", "ListenerPolicy"'],
    ['no collector', { logs: undefined, traces: undefined }, 'gatewayTelemetry.logs / gatewayTelemetry.traces: undefined (missing) is invalid; allowed: a logs collector, a traces collector, or both'],
    ['accessLog without logs', { logs: undefined, accessLog: { logName: 'x' } }, 'gatewayTelemetry.accessLog: {"logName":"x"} is invalid; allowed: access log settings only together with a logs collector'],
    ['tracing without traces', { traces: undefined, tracing: { randomSampling: 5 } }, 'gatewayTelemetry.tracing: {"randomSampling":5} is invalid; allowed: tracing settings only together with a traces collector'],
    ['HTTP collector port', { logs: collector({ protocol: 'http', port: 4318, portName: 'otlp-http' }) }, 'gatewayTelemetry.logs.endpoints.otlpGrpc.protocol: "http" is invalid; allowed: "grpc"'],
    [
      'external collector host',
      { traces: { endpoints: { otlpGrpc: collector().endpoints.otlpGrpc.withHost('otel.example.com') } } },
      'gatewayTelemetry.traces.endpoints.otlpGrpc.host: "otel.example.com" is invalid; allowed: the in-cluster Service host "otel.telemetry.svc"',
    ],
    ['collector without endpoint', { logs: { endpoints: {} } as any }, 'gatewayTelemetry.logs.endpoints.otlpGrpc: undefined (missing) is invalid; allowed: an Endpoint'],
  ])('GIVEN %s WHEN constructing THEN it throws naming field, value and what is allowed', (_what, props, message) => {
    const err = validationError(build(props as Partial<GatewayTelemetryPoliciesProps>));
    expect(err.message).toContain('in GatewayTelemetryPolicies props');
    expect(err.message).toContain(message);
  });

  test('GIVEN invalid input WHEN constructing THEN nothing is added to the chart', () => {
    const chart = newChart();
    expect(() => new GatewayTelemetryPolicies(chart, 'p', { gateways: [{ name: 'BAD' }], logs: collector() })).toThrow(ValidationError);
    expect(synth(chart)).toEqual([]);
  });
});

describeWithCrds('CRD schemas')('GatewayTelemetryPolicies objects against the real CRDs', () => {
  // Built in beforeAll: a skipped describe still runs its body to collect tests.
  let validator: CrdValidator;
  beforeAll(() => {
    validator = new CrdValidator([
      'kgateway.dev_httplistenerpolicies.yaml',
      'kgateway.dev_listenerpolicies.yaml',
      'gateway.networking.k8s.io_referencegrants.yaml',
    ]);
  });

  const scenarios: [string, (c: ReturnType<typeof setup>) => GatewayTelemetryPoliciesProps][] = [
    ['same namespace', ({ logs, traces }) => ({ gateways: [{ name: 'http', namespace: 'telemetry' }], logs, traces })],
    [
      'several namespaces, HTTPListenerPolicy, every option',
      ({ logs, traces }) => ({
        gateways: [{ name: 'http', namespace: 'kgateway-system', logName: 'http-gateway-access-logs', serviceName: 'http-gw' }, { name: 'api', namespace: 'apps' }],
        logs,
        traces,
        accessLog: { body: '%RESPONSE_CODE%', attributes: { env: 'prod' }, disableBuiltinLabels: false },
        tracing: { randomSampling: 0, clientSampling: 100, overallSampling: 50, spawnUpstreamSpan: true, verbose: false },
      }),
    ],
    [
      'several namespaces, ListenerPolicy',
      ({ logs, traces }) => ({
        api: 'ListenerPolicy',
        gateways: [{ name: 'http', namespace: 'kgateway-system' }, { name: 'api', namespace: 'apps' }],
        logs,
        traces,
        accessLog: { attributes: { env: 'prod' } },
        tracing: { randomSampling: 100 },
      }),
    ],
  ];

  test.each(scenarios)('GIVEN %s WHEN rendered THEN every policy and grant is valid with unknown fields rejected', (_what, props) => {
    const { crs } = render(props);
    expect(crs.length).toBeGreaterThan(0);
    for (const o of crs) expect(validator.knows(o)).toBe(true);
    expect(validator.errorsOf(crs)).toEqual([]);
    expect(validator.uncheckedRules).toEqual([]);
  });

  test('GIVEN rendered grants WHEN checked with @kubernetes-models/gateway-api THEN they validate as v1beta1 ReferenceGrants', () => {
    const { crs } = render(scenarios[1][1]);
    const grants = crs.filter((o) => o.kind === 'ReferenceGrant');
    expect(grants).toHaveLength(4);
    for (const g of grants) expect(() => new ReferenceGrantModel(g).validate()).not.toThrow();
    expect(() => new ReferenceGrantModel({ ...grants[0], spec: { ...grants[0].spec, from: [] } }).validate()).toThrow();
  });

  describe('the validator itself', () => {
    let crs: any[];
    beforeAll(() => {
      crs = render(({ logs, traces }) => ({ gateways: [{ name: 'http', namespace: 'edge' }], logs, traces })).crs;
    });
    const clone = (kind: string, name: string) => JSON.parse(JSON.stringify(find(crs, kind, name)));

    test('GIVEN an unknown field anywhere WHEN validated THEN it is rejected and named', () => {
      const deep = clone('HTTPListenerPolicy', 'http-access-logs');
      deep.spec.accessLog[0].openTelemetry.grpcService.bogus = 1;
      expect(validator.errors(deep)).toEqual([expect.stringContaining('/spec/accessLog/0/openTelemetry/grpcService must NOT have additional properties "bogus"')]);
      const top = clone('HTTPListenerPolicy', 'http-tracing');
      top.spec.tracing.provider.openTelemetry.sampler = { alwaysOnConfig: {} };
      top.spec.tracing.samplingRate = 5;
      expect(validator.errors(top)).toEqual([expect.stringContaining('/spec/tracing must NOT have additional properties "samplingRate"')]);
      const meta = clone('ReferenceGrant', 'allow-httplistenerpolicy.edge.to.otel-logs');
      meta.metadata.uid = 'x';
      expect(validator.errors(meta)).toEqual([expect.stringContaining('/metadata must NOT have additional properties "uid"')]);
    });

    test('GIVEN HTTPListenerPolicy-shaped settings in a ListenerPolicy WHEN validated THEN they are rejected', () => {
      const wrong = { ...clone('HTTPListenerPolicy', 'http-access-logs'), kind: 'ListenerPolicy' };
      expect(validator.errors(wrong)).toEqual([expect.stringContaining('/spec must NOT have additional properties "accessLog"')]);
    });

    test('GIVEN values the CRD forbids WHEN validated THEN schema and CEL rules reject them', () => {
      const noLogName = clone('HTTPListenerPolicy', 'http-access-logs');
      delete noLogName.spec.accessLog[0].openTelemetry.grpcService.logName;
      expect(validator.errors(noLogName).join('\n')).toContain("must have required property 'logName'");
      const noPort = clone('HTTPListenerPolicy', 'http-tracing');
      delete noPort.spec.tracing.provider.openTelemetry.grpcService.backendRef.port;
      expect(validator.errors(noPort).join('\n')).toContain('CEL rule failed: Must have port for Service reference');
      const notGateway = clone('HTTPListenerPolicy', 'http-tracing');
      notGateway.spec.targetRefs[0].kind = 'HTTPRoute';
      expect(validator.errors(notGateway).join('\n')).toContain('CEL rule failed: targetRefs may only reference Gateway resources');
      const sampling = clone('HTTPListenerPolicy', 'http-tracing');
      sampling.spec.tracing.randomSampling = 101;
      expect(validator.errors(sampling).join('\n')).toContain('/spec/tracing/randomSampling must be <= 100');
      const badDuration = clone('HTTPListenerPolicy', 'http-tracing');
      badDuration.spec.tracing.provider.openTelemetry.grpcService.timeout = '5 seconds';
      expect(validator.errors(badDuration).join('\n')).toContain('CEL rule failed: invalid duration value');
      const grantVersion = { ...clone('ReferenceGrant', 'allow-httplistenerpolicy.edge.to.otel-logs'), apiVersion: 'gateway.networking.k8s.io/v1alpha2' };
      expect(validator.errors(grantVersion)).toEqual([expect.stringContaining('no loaded CRD serves gateway.networking.k8s.io/v1alpha2 ReferenceGrant')]);
    });

    test('GIVEN a CEL rule without a JavaScript equivalent WHEN it applies to present data THEN validation fails and names the rule', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-'));
      const file = path.join(dir, 'example.yaml');
      const rule = 'self.size() > 1 && self.startsWith("x")';
      fs.writeFileSync(
        file,
        stringify({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'examples.example.com' },
          spec: {
            group: 'example.com',
            names: { kind: 'Example', plural: 'examples' },
            scope: 'Namespaced',
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: {
                  openAPIV3Schema: {
                    type: 'object',
                    properties: {
                      spec: { type: 'object', properties: { value: { type: 'string', 'x-kubernetes-validations': [{ rule, message: 'm' }] } } },
                    },
                  },
                },
              },
            ],
          },
        }),
      );
      const v = new CrdValidator([file]);
      const obj = { apiVersion: 'example.com/v1', kind: 'Example', metadata: { name: 'e' }, spec: { value: 'xy' } };
      expect(v.errors(obj)).toEqual([expect.stringContaining(`CEL rule without a JavaScript equivalent in crd-schema.ts (add one): ${rule}`)]);
      expect(v.uncheckedRules).toContain(rule);
      expect(v.errors({ ...obj, spec: {} })).toEqual([]);
      fs.rmSync(dir, { recursive: true });
    });

    test('GIVEN a validated object WHEN defaults apply THEN the caller’s object is not modified', () => {
      const p = clone('HTTPListenerPolicy', 'http-tracing');
      const before = JSON.stringify(p);
      expect(validator.errors(p)).toEqual([]);
      expect(JSON.stringify(p)).toBe(before);
    });
  });
});

describe('GatewayTelemetryPolicies with the real collectors', () => {
  // Required inside the test so that work in progress elsewhere fails only this test.
  test('GIVEN the LogsCollector and TracesCollector WHEN policies reference them THEN backendRefs and grants name their real OTLP gRPC Service ports', () => {
    const { LogsCollector } = require('../components/collector/logs') as typeof import('../components/collector/logs');
    const { TracesCollector } = require('../components/collector/traces') as typeof import('../components/collector/traces');
    const { Loki } = require('../components/loki') as typeof import('../components/loki');
    const { Tempo } = require('../components/tempo') as typeof import('../components/tempo');
    const chart = newChart('telemetry');
    const logs = new LogsCollector(chart, 'logs', { loki: new Loki(chart, 'loki', {}) });
    const traces = new TracesCollector(chart, 'traces', { tempo: new Tempo(chart, 'tempo', {}) });
    new GatewayTelemetryPolicies(chart, 'gw', { ...KGATEWAY_2_1, gateways: [{ name: 'http', namespace: 'kgateway-system' }], logs, traces });
    const objects = synth(chart);
    const access = find(objects, 'HTTPListenerPolicy', 'http-access-logs').spec.accessLog[0].openTelemetry.grpcService.backendRef;
    const tracing = find(objects, 'HTTPListenerPolicy', 'http-tracing').spec.tracing.provider.openTelemetry.grpcService.backendRef;
    for (const [ref, service] of [
      [access, logs.workload.serviceName],
      [tracing, traces.workload.serviceName],
    ] as const) {
      expect(ref.name).toBe(service);
      const svc = find(objects, 'Service', ref.name);
      expect(svc.metadata.namespace).toBe(ref.namespace);
      expect(svc.spec.ports).toContainEqual(expect.objectContaining({ port: ref.port, name: 'otlp-grpc' }));
    }
    expect(ids(objects.filter((o) => o.kind === 'ReferenceGrant'))).toEqual([
      `ReferenceGrant/telemetry/allow-httplistenerpolicy.kgateway-system.to.${logs.workload.serviceName}`,
      `ReferenceGrant/telemetry/allow-httplistenerpolicy.kgateway-system.to.${traces.workload.serviceName}`,
    ]);
  });
});
