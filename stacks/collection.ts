import { Construct } from 'constructs';
import { CollectorMode, GatewayTarget, LogsCollector, MetricsCollector, NodeAgent, TracesCollector } from '../components/collector';
import { GatewayRef, GatewayTelemetryPolicies, GatewayPolicyApi } from '../components/gateway-policies';
import { ResourcesOverride } from '../lib/resources';
import { collectorAlerts } from '../dashboards/alerts/collector';
import { gatewayAlerts } from '../dashboards/alerts/gateway';
import { collectorDashboard } from '../dashboards/collector';
import { gatewayDashboard } from '../dashboards/gateway';
import { Observable, ObservabilityContent } from '../lib/observability';
import { TelemetryBackends } from './backends';

export interface CollectorOptions {
  /** @default 'Deployment' */
  readonly mode?: CollectorMode;
  /** Deployment replicas of the logs and traces collectors (the metrics collector scrapes, so it runs once). @default 1 */
  readonly replicas?: number;
  readonly resources?: ResourcesOverride;
  /** Resources of the metrics collector (it scrapes, so it usually needs more). @default `resources` */
  readonly metricsResources?: ResourcesOverride;
  /** Add the debug exporter. @default false */
  readonly debug?: boolean;
  /** @default 'push' */
  readonly metricsExport?: 'push' | 'pull';
}

export interface AgentOptions {
  /** @default true */
  readonly enabled?: boolean;
  readonly resources?: ResourcesOverride;
  readonly metricAllowlist?: readonly string[];
}

export interface GatewayPolicyOptions {
  readonly api?: GatewayPolicyApi;
  readonly gateways: readonly GatewayRef[];
  /** Percentage of requests traced. @default kgateway's default */
  readonly samplingPercent?: number;
}

export interface TelemetryCollectionProps {
  readonly namespace: string;
  /** Stamped on every signal as `k8s.cluster.name`. */
  readonly clusterName: string;
  /** Where the signal collectors export: the local backends, or a remote telemetry gateway. */
  readonly destination: { readonly backends: TelemetryBackends } | { readonly gateway: GatewayTarget };
  readonly collectors?: CollectorOptions;
  readonly agents?: AgentOptions;
  readonly gatewayPolicies?: GatewayPolicyOptions;
}

/**
 * The collection layer of one cluster: the three signal collectors (each
 * exporting to its backend or to the management cluster's telemetry
 * gateway), node agents forwarding to them, and the kgateway policies that
 * send gateway access logs and traces to the collectors. A signal whose
 * backend is disabled gets no collector (and no policy).
 */
export class TelemetryCollection extends Construct implements Observable {
  public readonly metrics?: MetricsCollector;
  public readonly logs?: LogsCollector;
  public readonly traces?: TracesCollector;
  public readonly agent?: NodeAgent;
  public readonly policies?: GatewayTelemetryPolicies;

  constructor(scope: Construct, id: string, props: TelemetryCollectionProps) {
    super(scope, id);
    const { namespace, clusterName } = props;
    const c = props.collectors ?? {};
    const common = { namespace, clusterName, resources: c.resources, debug: c.debug, mode: c.mode };
    const replicas = c.mode === 'DaemonSet' ? undefined : c.replicas;
    const metricsResources = c.metricsResources ?? c.resources;
    const dest = props.destination;
    if ('gateway' in dest) {
      const gateway = dest.gateway;
      this.metrics = new MetricsCollector(this, 'metrics', { ...common, resources: metricsResources, gateway });
      this.logs = new LogsCollector(this, 'logs', { ...common, replicas, gateway });
      this.traces = new TracesCollector(this, 'traces', { ...common, replicas, gateway });
    } else {
      const { prometheus, loki, tempo } = dest.backends;
      if (prometheus) this.metrics = new MetricsCollector(this, 'metrics', { ...common, resources: metricsResources, prometheus, export: c.metricsExport });
      if (loki) this.logs = new LogsCollector(this, 'logs', { ...common, replicas, loki });
      if (tempo) this.traces = new TracesCollector(this, 'traces', { ...common, replicas, tempo });
    }

    const a = props.agents ?? {};
    if ((a.enabled ?? true) && this.metrics && this.logs && this.traces) {
      this.agent = new NodeAgent(this, 'agent', {
        namespace,
        clusterName,
        resources: a.resources,
        metricAllowlist: a.metricAllowlist,
        debug: c.debug,
        forwardTo: { collectors: { metrics: this.metrics, logs: this.logs, traces: this.traces } },
      });
    }

    const gp = props.gatewayPolicies;
    if (gp && gp.gateways.length > 0 && (this.logs || this.traces)) {
      const pct = gp.samplingPercent;
      this.policies = new GatewayTelemetryPolicies(this, 'gateway-policies', {
        gateways: gp.gateways,
        api: gp.api,
        logs: this.logs,
        traces: this.traces,
        tracing: this.traces && pct !== undefined ? { randomSampling: pct } : undefined,
      });
    }
  }

  /**
   * The collectors' pipeline-health dashboard and alerts, and, when Gateways
   * are instrumented, the kgateway dashboard and alerts (job of the metrics
   * collector's data-plane scrape).
   */
  public observability(): ObservabilityContent {
    const dashboards = [collectorDashboard()];
    const ruleSets: Record<string, ReturnType<typeof collectorAlerts>> = { 'otel-collector': collectorAlerts() };
    if (this.policies) {
      dashboards.unshift(gatewayDashboard());
      ruleSets.kgateway = gatewayAlerts();
    }
    return { dashboards, ruleSets };
  }
}
