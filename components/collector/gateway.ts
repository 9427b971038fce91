import { Construct } from 'constructs';
import { CollectorConfig } from '../../lib/collector';
import { resolveNamespace, stackNamespace } from '../../lib/component';
import { Endpoint, SecretKeyRef, SecretKeyRefSchema } from '../../lib/endpoint';
import { ComponentIdentity } from '../../lib/naming';
import { resolveResources, Resources, ResourcesSchema } from '../../lib/resources';
import { Enum, Int, Obj, omit, Opt, SchemaCheck, Static, StringMap, validateProps } from '../../lib/schema';
import { is, Rule, validate } from '../../lib/validation';
import { Workload } from '../../lib/workload';
import { Loki } from '../loki';
import { Prometheus } from '../prometheus';
import { Tempo } from '../tempo';
import { GatewayClientAuth, GatewayTarget } from './gateway-client';
import { OtelCollector, secretFilePath, SecretMount } from './collector';
import { CollectorCommonProps, collectorPropsSchema, commonRules, MAX_STATEFULSET_NAME, requiredRule } from './common';
import { gatewayConfig, GatewayServerAuthFiles } from './config';
import { DEFAULT_GATEWAY_QUEUE_SIZE, durableQueue, queueRules, sendingQueueOptions, SendingQueueOptions } from './queue';

export const GATEWAY_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '200m', memory: '512Mi' },
  limits: { cpu: '2', memory: '1Gi' },
};

export const GATEWAY_SERVICE_TYPES = ['LoadBalancer', 'NodePort', 'ClusterIP'] as const;
export type GatewayServiceType = (typeof GATEWAY_SERVICE_TYPES)[number];

/**
 * Server authentication of the gateway, from a Secret (never literal): the
 * accepted bearer tokens, one per line (first word of each line). Rotate by
 * listing the new token beside the old one.
 */
export interface GatewayServerAuth {
  readonly bearerTokens: SecretKeyRef;
}

/**
 * The data options of {@link TelemetryGateway}, defined once: the config
 * file's `multiCluster.management.telemetryGateway` section is these plus
 * the layout's address and Secret fields.
 */
export const TELEMETRY_GATEWAY_OPTIONS = Obj({
  serviceType: Opt(Enum(GATEWAY_SERVICE_TYPES, { doc: 'Service type; only a LoadBalancer is reachable from other clusters without more setup.', default: 'LoadBalancer' })),
  replicas: Opt(Int(1, 50, { doc: 'Gateway replicas.', default: '2' })),
  resources: Opt(ResourcesSchema),
  serviceAnnotations: Opt(StringMap('^[A-Za-z0-9./_-]{1,316}$', 'a map of annotation keys to string values', { doc: 'Service annotations (e.g. cloud load-balancer settings).', maxProperties: 64 })),
  queue: Opt(
    sendingQueueOptions(
      DEFAULT_GATEWAY_QUEUE_SIZE,
      "The sending queue of the gateway's exporters to Loki, Tempo and Prometheus (three queue files per replica).",
    ),
  ),
});
export type TelemetryGatewayOptions = Static<typeof TELEMETRY_GATEWAY_OPTIONS>;

const TELEMETRY_GATEWAY_PROPS = Obj({ ...collectorPropsSchema().properties, ...TELEMETRY_GATEWAY_OPTIONS.properties });

export interface TelemetryGatewayProps extends CollectorCommonProps {
  readonly loki: Loki;
  readonly tempo: Tempo;
  readonly prometheus: Prometheus;
  /**
   * The server certificate: a `kubernetes.io/tls` Secret (keys `tls.crt`,
   * `tls.key`), mounted as files and reloaded hourly. With `clientCa`, agents
   * must also present a client certificate signed by it (mTLS).
   */
  readonly tls: { readonly secretName: string; readonly clientCa?: SecretKeyRef };
  /** How agents authenticate. */
  readonly auth: GatewayServerAuth;
  /** @default 'LoadBalancer' (reachable from other clusters) */
  readonly serviceType?: GatewayServiceType;
  /** Service annotations (e.g. cloud load-balancer settings). @default none */
  readonly serviceAnnotations?: Record<string, string>;
  /** @default 2 */
  readonly replicas?: number;
  /**
   * The sending queue of the gateway's three exporters: on an emptyDir by
   * default, on a PVC per replica (the gateway becomes a StatefulSet), or in
   * memory. See `components/collector/queue.ts`.
   * @default { storage: 'emptyDir', size: '8Gi', maxOutage: '1h' }
   */
  readonly queue?: SendingQueueOptions;
}

/**
 * The telemetry gateway: a collector Deployment that receives OTLP (gRPC and
 * HTTP) from other clusters' node agents and signal collectors over TLS with
 * bearer-token authentication (tokens read from a mounted Secret)
 * and fans out to Loki, Tempo and Prometheus. Metrics go to Prometheus' OTLP
 * receiver (`prometheus.endpoints.otlp`), which promotes each resource's
 * `k8s.cluster.name` to the `k8s_cluster_name` label as long as it is in the
 * Prometheus' `otlp.promoteResourceAttributes` (it is in the default list).
 * Default Service name `otel-gateway`, type LoadBalancer. Remote collectors
 * dial {@link remoteEndpoint}.
 *
 * Its gRPC receiver closes every client connection after a minute
 * (`max_connection_age`, see `GATEWAY_MAX_CONNECTION_AGE`) so a load
 * balancer spreads the clients over all replicas; its exporters keep their
 * queues on disk (`queue`) so an outage of a backend loses nothing it can hold.
 */
export class TelemetryGateway extends Construct {
  public readonly name: string;
  public readonly identity: ComponentIdentity;
  public readonly workload: Workload;
  public readonly config: CollectorConfig;
  public readonly collector: OtelCollector;
  /** In-cluster OTLP endpoints (TLS). */
  public readonly endpoints: { readonly otlpGrpc: Endpoint; readonly otlpHttp: Endpoint };

  constructor(scope: Construct, id: string, props: TelemetryGatewayProps) {
    const resources = resolveResources(GATEWAY_DEFAULT_RESOURCES, props.resources);
    validateProps('TelemetryGateway props', [[TELEMETRY_GATEWAY_PROPS, omit(props, ['loki', 'tempo', 'prometheus', 'tls', 'auth']), 'telemetryGateway'], ...gatewayChecks(props)], gatewayRules(props, resources));
    stackNamespace(scope, props.namespace, 'telemetryGateway.namespace', 'TelemetryGateway props');
    super(scope, id);
    this.name = props.name ?? 'otel-gateway';
    const namespace = resolveNamespace(this, props.namespace);

    const mounts: SecretMount[] = [
      {
        volume: 'tls',
        secretName: props.tls.secretName,
        items: [
          { key: 'tls.crt', path: 'tls.crt' },
          { key: 'tls.key', path: 'tls.key' },
        ],
      },
    ];
    if (props.tls.clientCa) mounts.push({ volume: 'client-ca', secretName: props.tls.clientCa.name, items: [{ key: props.tls.clientCa.key, path: 'ca.crt' }] });
    mounts.push({ volume: 'auth', secretName: props.auth.bearerTokens.name, items: [{ key: props.auth.bearerTokens.key, path: 'tokens' }] });
    const auth: GatewayServerAuthFiles = { bearerTokensFile: secretFilePath('auth', 'tokens') };

    // Three queue files: one exporter per signal.
    const queue = durableQueue(props.queue, DEFAULT_GATEWAY_QUEUE_SIZE, 3);
    const config = gatewayConfig({
      tls: {
        certFile: secretFilePath('tls', 'tls.crt'),
        keyFile: secretFilePath('tls', 'tls.key'),
        clientCaFile: props.tls.clientCa ? secretFilePath('client-ca', 'ca.crt') : undefined,
      },
      auth,
      lokiOtlp: props.loki.endpoints.otlp,
      lokiHeaders: props.loki.tenantHeaders,
      tempoOtlpGrpc: props.tempo.endpoints.otlpGrpc,
      prometheusOtlp: props.prometheus.endpoints.otlp,
      debug: props.debug ?? false,
      queue: queue?.queue,
    });
    this.collector = new OtelCollector(this, 'collector', {
      name: this.name,
      namespace,
      component: 'telemetry-gateway',
      mode: 'Deployment',
      replicas: props.replicas ?? 2,
      config,
      resources,
      secretMounts: mounts,
      service: { type: props.serviceType ?? 'LoadBalancer', annotations: props.serviceAnnotations },
      queue,
    });
    this.identity = this.collector.identity;
    this.workload = this.collector.workload;
    this.config = config;
    this.endpoints = { otlpGrpc: this.collector.endpoint('otlp-grpc').withTls(true), otlpHttp: this.collector.endpoint('otlp-http').withTls(true) };

    const c = this.workload.connections;
    c.allowFrom(
      { kind: 'external', role: 'telemetryGatewayClients' },
      [this.endpoints.otlpGrpc, this.endpoints.otlpHttp].map((e) => ({ port: e.port })),
      'the workload clusters send OTLP to the telemetry gateway (through its load balancer)',
    );
    c.allowToEndpoint(props.loki.endpoints.otlp, `${this.name} exports logs to ${props.loki.name}`);
    c.allowToEndpoint(props.tempo.endpoints.otlpGrpc, `${this.name} exports traces to ${props.tempo.name}`);
    c.allowToEndpoint(props.prometheus.endpoints.otlp, `${this.name} exports metrics to ${props.prometheus.name}`);
  }

  /** The OTLP/gRPC address a remote agent dials: the external host (e.g. the LoadBalancer's DNS name), TLS on. */
  public remoteEndpoint(externalHost: string): Endpoint {
    validate('TelemetryGateway.remoteEndpoint', [{ field: 'externalHost', value: externalHost, required: true, ok: is.dnsSubdomain, allowed: is.dnsSubdomainAllowed }]);
    return this.endpoints.otlpGrpc.withHost(externalHost, true);
  }

  /**
   * A {@link GatewayTarget} for a collector (node agent or signal collector)
   * in another cluster, derived from {@link remoteEndpoint}.
   */
  public remoteTarget(externalHost: string, credentials: { readonly ca: SecretKeyRef; readonly auth: GatewayClientAuth; readonly serverName?: string }): GatewayTarget {
    const e = this.remoteEndpoint(externalHost);
    return { host: e.host, port: e.port, ca: credentials.ca, auth: credentials.auth, serverName: credentials.serverName };
  }
}

function gatewayRules(props: TelemetryGatewayProps, resources: Resources): Rule[] {
  const rules: Rule[] = [
    requiredRule('telemetryGateway.loki', props.loki, 'a Loki construct'),
    requiredRule('telemetryGateway.tempo', props.tempo, 'a Tempo construct'),
    requiredRule('telemetryGateway.prometheus', props.prometheus, 'a Prometheus construct'),
    ...commonRules('telemetryGateway', props, resources),
    ...queueRules('telemetryGateway.queue', props.queue),
    {
      field: 'telemetryGateway.name',
      value: props.queue?.storage === 'persistentVolumeClaim' ? props.name ?? 'otel-gateway' : undefined,
      ok: (v: string) => v.length <= MAX_STATEFULSET_NAME,
      allowed: `at most ${MAX_STATEFULSET_NAME} characters with a persistentVolumeClaim queue (the gateway is a StatefulSet)`,
    },
    {
      field: 'telemetryGateway.tls.secretName',
      value: props.tls?.secretName,
      required: true,
      ok: is.dnsSubdomain,
      allowed: `the name of a kubernetes.io/tls Secret (${is.dnsSubdomainAllowed})`,
    },
    {
      field: 'telemetryGateway.auth',
      value: props.auth,
      required: true,
      ok: (v) => v && typeof v === 'object' && 'bearerTokens' in v,
      allowed: '{ bearerTokens: SecretKeyRef } (accepted bearer tokens read from a Secret, one per line)',
    },
  ];
  return rules;
}

/** The Secret references of the gateway's TLS and auth props. */
function gatewayChecks(props: TelemetryGatewayProps): SchemaCheck[] {
  const a = props.auth as Partial<{ bearerTokens: SecretKeyRef }> | undefined;
  return [
    ...(props.tls?.clientCa !== undefined ? [[SecretKeyRefSchema, props.tls.clientCa, 'telemetryGateway.tls.clientCa'] as const] : []),
    ...(a?.bearerTokens !== undefined ? [[SecretKeyRefSchema, a.bearerTokens, 'telemetryGateway.auth.bearerTokens'] as const] : []),
  ];
}
