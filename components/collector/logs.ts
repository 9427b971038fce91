import { Construct } from 'constructs';
import { Resources } from '../../lib/resources';
import { Loki } from '../loki';
import { logsCollectorConfig } from './config';
import { OtlpSignalCollector, OtlpSignalCollectorProps } from './otlp-signal-collector';

export const LOGS_COLLECTOR_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};

export interface LogsCollectorProps extends OtlpSignalCollectorProps {
  /**
   * The Loki to send logs to (its OTLP endpoint and tenant headers). Exactly
   * one of `loki` and `gateway` is required.
   */
  readonly loki?: Loki;
}

/**
 * The logs collector: OTLP gRPC and HTTP in, Loki's native OTLP endpoint out
 * (`otlp_http/loki` to `loki.endpoints.otlp`, with Loki's tenant header when
 * Loki is multi-tenant), or a telemetry gateway (`otlp_grpc/gateway`, TLS and
 * client auth). With `clusterName`, `k8s.cluster.name` is stamped on every
 * record. Default Service name `otel-logs`.
 */
export class LogsCollector extends OtlpSignalCollector {
  constructor(scope: Construct, id: string, props: LogsCollectorProps) {
    super(scope, id, props, {
      className: 'LogsCollector',
      field: 'logsCollector',
      defaultName: 'otel-logs',
      component: 'logs-collector',
      signal: 'logs',
      defaultResources: LOGS_COLLECTOR_DEFAULT_RESOURCES,
      backend: { prop: 'loki', value: props.loki, allowed: 'a Loki construct', endpoint: () => props.loki!.endpoints.otlp },
      config: (common, gw) =>
        gw
          ? logsCollectorConfig({ ...common, gateway: gw.export })
          : logsCollectorConfig({ ...common, lokiOtlp: props.loki!.endpoints.otlp, lokiHeaders: props.loki!.tenantHeaders }),
    });
  }
}
