import { Construct } from 'constructs';
import { CollectorConfig } from '../../lib/collector';
import { resolveNamespace, stackNamespace } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { ComponentIdentity } from '../../lib/naming';
import { resolveResources, Resources } from '../../lib/resources';
import { omit, validateProps } from '../../lib/schema';
import { Workload } from '../../lib/workload';
import { OtelCollector } from './collector';
import { CollectorCommonProps, collectorPropsSchema, commonRules, destinationRules, gatewayQueueRules, gatewayTargetChecks, ModeProps, modeRules, SignalCollectorProps } from './common';
import { GatewayClient, gatewayClient } from './gateway-client';
import { DEFAULT_COLLECTOR_QUEUE_SIZE, durableQueue } from './queue';

/** OTLP endpoints of a collector that receives OTLP. */
export interface OtlpEndpoints {
  /** OTLP/gRPC (`host:port`, port 4317). */
  readonly otlpGrpc: Endpoint;
  /** OTLP/HTTP base URL (port 4318; clients append `/v1/<signal>`). */
  readonly otlpHttp: Endpoint;
}

/** Props shared by the OTLP-in signal collectors. */
export interface OtlpSignalCollectorProps extends CollectorCommonProps, ModeProps, SignalCollectorProps {
  /** Deployment replicas (not allowed in DaemonSet mode). @default 1 */
  readonly replicas?: number;
}

const SIGNAL_COLLECTOR_PROPS = collectorPropsSchema({ mode: true, replicas: true, clusterName: true, queue: true });

/** What distinguishes one OTLP-in signal collector from another. */
export interface OtlpSignalCollectorSpec {
  /** The construct class, named in errors (`LogsCollector props`). */
  readonly className: string;
  /** Field-path prefix of errors, e.g. `logsCollector`. */
  readonly field: string;
  readonly defaultName: string;
  /** `app.kubernetes.io/component`. */
  readonly component: string;
  /** The signal it carries (for the reasons of its network edges). */
  readonly signal: 'logs' | 'traces';
  readonly defaultResources: Resources;
  /** The backend prop: its name, value, what it must be, and the endpoint the collector dials on it. */
  readonly backend: { readonly prop: string; readonly value: unknown; readonly allowed: string; readonly endpoint: () => Endpoint };
  /** Builds the config, for the gateway when `gateway` is given, else for the backend. */
  readonly config: (common: { clusterName?: string; debug: boolean }, gateway?: GatewayClient) => CollectorConfig;
}

/**
 * An OTLP gRPC/HTTP-in collector for one signal that exports to its backend or
 * to a telemetry gateway (the logs and traces collectors). Props are validated
 * before anything is added to the tree.
 */
export abstract class OtlpSignalCollector extends Construct {
  public readonly name: string;
  public readonly identity: ComponentIdentity;
  public readonly workload: Workload;
  public readonly config: CollectorConfig;
  public readonly collector: OtelCollector;
  public readonly endpoints: OtlpEndpoints;

  protected constructor(scope: Construct, id: string, props: OtlpSignalCollectorProps, spec: OtlpSignalCollectorSpec) {
    const resources = resolveResources(spec.defaultResources, props.resources);
    validateProps(
      `${spec.className} props`,
      [
        [SIGNAL_COLLECTOR_PROPS, omit(props, ['gateway', spec.backend.prop]), spec.field],
        ...(props.gateway ? gatewayTargetChecks(`${spec.field}.gateway`, props.gateway) : []),
      ],
      [
        ...destinationRules(spec.field, spec.backend.prop, spec.backend.value, spec.backend.allowed, props.gateway),
        ...commonRules(spec.field, props, resources),
        ...modeRules(spec.field, props.mode, props.replicas),
        ...gatewayQueueRules(spec.field, props, spec.defaultName),
      ],
    );
    stackNamespace(scope, props.namespace, `${spec.field}.namespace`, `${spec.className} props`);
    super(scope, id);
    this.name = props.name ?? spec.defaultName;
    // One queue file: the exporter carries one signal.
    const queue = props.gateway ? durableQueue(props.queue, DEFAULT_COLLECTOR_QUEUE_SIZE, 1) : undefined;
    const gw = props.gateway ? gatewayClient(props.gateway, queue?.queue) : undefined;
    const config = spec.config({ clusterName: props.clusterName, debug: props.debug ?? false }, gw);
    this.collector = new OtelCollector(this, 'collector', {
      name: this.name,
      namespace: resolveNamespace(this, props.namespace),
      component: spec.component,
      mode: props.mode ?? 'Deployment',
      replicas: props.replicas,
      config,
      resources,
      env: gw?.env,
      secretMounts: gw?.secretMounts,
      queue,
    });
    this.identity = this.collector.identity;
    this.workload = this.collector.workload;
    this.config = config;
    this.endpoints = { otlpGrpc: this.collector.endpoint('otlp-grpc'), otlpHttp: this.collector.endpoint('otlp-http') };
    if (gw) this.workload.connections.allowTo({ kind: 'external', role: 'telemetryGateway' }, [{ port: gw.port }], `${this.name} exports ${spec.signal} to the telemetry gateway`);
    else this.workload.connections.allowToEndpoint(spec.backend.endpoint(), `${this.name} exports ${spec.signal} to ${spec.backend.prop}`);
  }
}
