import { Construct } from 'constructs';
import { CollectorConfig } from '../../lib/collector';
import { resolveNamespace } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { ComponentIdentity } from '../../lib/naming';
import { resolveResources, Resources } from '../../lib/resources';
import { omit, validateProps } from '../../lib/schema';
import { Workload } from '../../lib/workload';
import { OtelCollector } from './collector';
import { CollectorCommonProps, collectorPropsSchema, commonRules, destinationRules, gatewayTargetChecks, ModeProps, modeRules, SignalCollectorProps } from './common';
import { GatewayClient, gatewayClient } from './gateway-client';

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

const SIGNAL_COLLECTOR_PROPS = collectorPropsSchema({ mode: true, replicas: true, clusterName: true });

/** What distinguishes one OTLP-in signal collector from another. */
export interface OtlpSignalCollectorSpec {
  /** The construct class, named in errors (`LogsCollector props`). */
  readonly className: string;
  /** Field-path prefix of errors, e.g. `logsCollector`. */
  readonly field: string;
  readonly defaultName: string;
  /** `app.kubernetes.io/component`. */
  readonly component: string;
  readonly defaultResources: Resources;
  /** The backend prop: its name, value and what it must be. */
  readonly backend: { readonly prop: string; readonly value: unknown; readonly allowed: string };
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
      ],
    );
    super(scope, id);
    this.name = props.name ?? spec.defaultName;
    const gw = props.gateway ? gatewayClient(props.gateway) : undefined;
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
    });
    this.identity = this.collector.identity;
    this.workload = this.collector.workload;
    this.config = config;
    this.endpoints = { otlpGrpc: this.collector.endpoint('otlp-grpc'), otlpHttp: this.collector.endpoint('otlp-http') };
  }
}
