import { Construct } from 'constructs';
import { Resources } from '../../lib/resources';
import { Tempo } from '../tempo';
import { tracesCollectorConfig } from './config';
import { OtlpSignalCollector, OtlpSignalCollectorProps } from './otlp-signal-collector';

export const TRACES_COLLECTOR_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};

export interface TracesCollectorProps extends OtlpSignalCollectorProps {
  /**
   * The Tempo to send traces to (its OTLP gRPC endpoint). Exactly one of
   * `tempo` and `gateway` is required.
   */
  readonly tempo?: Tempo;
}

/**
 * The traces collector: OTLP gRPC and HTTP in, Tempo out (`otlp_grpc/tempo`
 * to `tempo.endpoints.otlpGrpc.hostPort`, plaintext in-cluster) or a
 * telemetry gateway (`otlp_grpc/gateway`, TLS and client auth). With
 * `clusterName`, `k8s.cluster.name` is stamped on every span. Default Service
 * name `otel-traces`.
 */
export class TracesCollector extends OtlpSignalCollector {
  constructor(scope: Construct, id: string, props: TracesCollectorProps) {
    super(scope, id, props, {
      className: 'TracesCollector',
      field: 'tracesCollector',
      defaultName: 'otel-traces',
      component: 'traces-collector',
      signal: 'traces',
      defaultResources: TRACES_COLLECTOR_DEFAULT_RESOURCES,
      backend: { prop: 'tempo', value: props.tempo, allowed: 'a Tempo construct', endpoint: () => props.tempo!.endpoints.otlpGrpc },
      config: (common, gw) =>
        gw ? tracesCollectorConfig({ ...common, gateway: gw.export }) : tracesCollectorConfig({ ...common, tempoOtlpGrpc: props.tempo!.endpoints.otlpGrpc }),
    });
  }
}
