import { Construct } from 'constructs';
import { CollectorConfig } from '../../lib/collector';
import { resolveNamespace } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { ComponentIdentity } from '../../lib/naming';
import { resolveResources, Resources } from '../../lib/resources';
import { validate } from '../../lib/validation';
import { Workload } from '../../lib/workload';
import { Loki } from '../loki';
import { OtelCollector } from './collector';
import { clusterNameRule, CollectorCommonProps, commonRules, destinationRules, ModeProps, modeRules, pathOf, SignalCollectorProps } from './common';
import { logsCollectorConfig } from './config';
import { gatewayClient } from './gateway-client';

/** OTLP endpoints of a collector that receives OTLP. */
export interface OtlpEndpoints {
  /** OTLP/gRPC (`host:port`, port 4317). */
  readonly otlpGrpc: Endpoint;
  /** OTLP/HTTP base URL (port 4318; clients append `/v1/<signal>`). */
  readonly otlpHttp: Endpoint;
}

export const LOGS_COLLECTOR_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};

export interface LogsCollectorProps extends CollectorCommonProps, ModeProps, SignalCollectorProps {
  /**
   * The Loki to send logs to (its OTLP endpoint and tenant headers). Exactly
   * one of `loki` and `gateway` is required.
   */
  readonly loki?: Loki;
  /** Deployment replicas (not allowed in DaemonSet mode). @default 1 */
  readonly replicas?: number;
}

/**
 * The logs collector: OTLP gRPC and HTTP in, Loki's native OTLP endpoint out
 * (`otlp_http/loki` to `loki.endpoints.otlp`, with Loki's tenant header when
 * Loki is multi-tenant), or a telemetry gateway (`otlp_grpc/gateway`, TLS and
 * client auth). With `clusterName`, `k8s.cluster.name` is stamped on every
 * record. Default Service name `otel-logs`.
 */
export class LogsCollector extends Construct {
  public readonly name: string;
  public readonly identity: ComponentIdentity;
  public readonly workload: Workload;
  public readonly config: CollectorConfig;
  public readonly collector: OtelCollector;
  public readonly endpoints: OtlpEndpoints;

  constructor(scope: Construct, id: string, props: LogsCollectorProps) {
    const resources = resolveResources(LOGS_COLLECTOR_DEFAULT_RESOURCES, props.resources);
    validate(pathOf(scope, id), [
      ...destinationRules('logsCollector', 'loki', props.loki, 'a Loki construct', props.gateway),
      clusterNameRule('logsCollector.clusterName', props.clusterName),
      ...commonRules('logsCollector', props, resources),
      ...modeRules('logsCollector', props.mode, props.replicas),
    ]);
    super(scope, id);
    this.name = props.name ?? 'otel-logs';
    const gw = props.gateway ? gatewayClient(props.gateway) : undefined;
    const common = { clusterName: props.clusterName, debug: props.debug ?? false };
    const config = gw
      ? logsCollectorConfig({ ...common, gateway: gw.export })
      : logsCollectorConfig({ ...common, lokiOtlp: props.loki!.endpoints.otlp, lokiHeaders: props.loki!.tenantHeaders });
    this.collector = new OtelCollector(this, 'collector', {
      name: this.name,
      namespace: resolveNamespace(this, props.namespace),
      component: 'logs-collector',
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
