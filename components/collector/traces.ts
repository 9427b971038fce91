import { Construct } from 'constructs';
import { CollectorConfig } from '../../lib/collector';
import { resolveNamespace } from '../../lib/component';
import { ComponentIdentity } from '../../lib/naming';
import { resolveResources, Resources } from '../../lib/resources';
import { validate } from '../../lib/validation';
import { Workload } from '../../lib/workload';
import { Tempo } from '../tempo';
import { OtelCollector } from './collector';
import { clusterNameRule, CollectorCommonProps, commonRules, destinationRules, ModeProps, modeRules, pathOf, SignalCollectorProps } from './common';
import { tracesCollectorConfig } from './config';
import { gatewayClient } from './gateway-client';
import { OtlpEndpoints } from './logs';

export const TRACES_COLLECTOR_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};

export interface TracesCollectorProps extends CollectorCommonProps, ModeProps, SignalCollectorProps {
  /**
   * The Tempo to send traces to (its OTLP gRPC endpoint). Exactly one of
   * `tempo` and `gateway` is required.
   */
  readonly tempo?: Tempo;
  /** Deployment replicas (not allowed in DaemonSet mode). @default 1 */
  readonly replicas?: number;
}

/**
 * The traces collector: OTLP gRPC and HTTP in, Tempo out (`otlp_grpc/tempo`
 * to `tempo.endpoints.otlpGrpc.hostPort`, plaintext in-cluster) or a
 * telemetry gateway (`otlp_grpc/gateway`, TLS and client auth). With
 * `clusterName`, `k8s.cluster.name` is stamped on every span. Default Service
 * name `otel-traces`.
 */
export class TracesCollector extends Construct {
  public readonly name: string;
  public readonly identity: ComponentIdentity;
  public readonly workload: Workload;
  public readonly config: CollectorConfig;
  public readonly collector: OtelCollector;
  public readonly endpoints: OtlpEndpoints;

  constructor(scope: Construct, id: string, props: TracesCollectorProps) {
    const resources = resolveResources(TRACES_COLLECTOR_DEFAULT_RESOURCES, props.resources);
    validate(pathOf(scope, id), [
      ...destinationRules('tracesCollector', 'tempo', props.tempo, 'a Tempo construct', props.gateway),
      clusterNameRule('tracesCollector.clusterName', props.clusterName),
      ...commonRules('tracesCollector', props, resources),
      ...modeRules('tracesCollector', props.mode, props.replicas),
    ]);
    super(scope, id);
    this.name = props.name ?? 'otel-traces';
    const gw = props.gateway ? gatewayClient(props.gateway) : undefined;
    const common = { clusterName: props.clusterName, debug: props.debug ?? false };
    const config = gw
      ? tracesCollectorConfig({ ...common, gateway: gw.export })
      : tracesCollectorConfig({ ...common, tempoOtlpGrpc: props.tempo!.endpoints.otlpGrpc });
    this.collector = new OtelCollector(this, 'collector', {
      name: this.name,
      namespace: resolveNamespace(this, props.namespace),
      component: 'traces-collector',
      mode: props.mode ?? 'Deployment',
      replicas: props.replicas,
      config,
      resources,
      env: gw?.env,
      secretMounts: gw?.secretMounts,
    });
    this.identity = this.collector.identity;
    this.workload = this.collector.workload;
    this.config = config;
    this.endpoints = { otlpGrpc: this.collector.endpoint('otlp-grpc'), otlpHttp: this.collector.endpoint('otlp-http') };
  }
}
