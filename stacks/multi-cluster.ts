import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { GatewayTarget, TelemetryGateway } from '../components/collector';
import { TelemetryBackends } from './backends';
import { TelemetryCollection } from './collection';
import { ensureValidConfig, LgtmConfig, MultiClusterConfig, WorkloadClusterConfig } from './config';
import { TelemetryNamespace } from './namespace';
import { stackNetworkPolicies } from './network';
import { DEFAULT_NAMESPACE, managementSections, workloadSections } from './props';
import { ValidationError } from '../lib/validation';

/**
 * The management (hub) cluster of the multi-cluster layout: the backends,
 * Grafana, the telemetry gateway that receives OTLP from the workload
 * clusters over TLS with bearer-token authentication, and the collection
 * layer for the management cluster's own workloads and Gateways.
 */
export class ManagementClusterStack extends Chart {
  /** Which layout chart this is. */
  public readonly role = 'management' as const;
  public readonly clusterName: string;
  public readonly backends: TelemetryBackends;
  public readonly gateway: TelemetryGateway;
  public readonly collection: TelemetryCollection;
  private readonly gatewayConfig: MultiClusterConfig['management']['telemetryGateway'];

  constructor(scope: Construct, id: string, config: LgtmConfig) {
    ensureValidConfig(config, 'ManagementClusterStack config');
    const namespace = config.namespace ?? DEFAULT_NAMESPACE;
    super(scope, id, { namespace, disableResourceNameHashes: true });
    const mc = config.multiCluster!;
    this.clusterName = mc.management.name;
    this.gatewayConfig = mc.management.telemetryGateway;
    new TelemetryNamespace(this, 'namespace', { name: namespace });
    const { backends, collection } = managementSections(config);
    this.backends = new TelemetryBackends(this, 'backends', backends!);
    const { loki, tempo, prometheus } = this.backends;
    if (!loki || !tempo || !prometheus) {
      throw new ValidationError(
        [{ field: 'loki.enabled / tempo.enabled / prometheus.enabled', value: false, allowed: 'true with layout "multi-cluster" (the telemetry gateway fans out to all three)' }],
        'ManagementClusterStack props',
      );
    }
    const gw = mc.management.telemetryGateway;
    this.gateway = new TelemetryGateway(this, 'telemetry-gateway', {
      namespace,
      loki,
      tempo,
      prometheus,
      tls: { secretName: gw.tlsSecret },
      auth: { bearerTokens: gw.authTokenSecret },
      serviceType: gw.serviceType,
      replicas: gw.replicas,
      resources: gw.resources,
      serviceAnnotations: gw.serviceAnnotations,
      queue: gw.queue,
    });
    this.collection = new TelemetryCollection(this, 'collection', { ...collection, namespace, destination: { backends: this.backends } });
    stackNetworkPolicies(this, namespace, config.networkPolicy);
  }

  /**
   * The target a workload cluster's collectors dial: the gateway's external
   * host (or `hostOverride`, e.g. a placeholder that the Pulumi front end
   * replaces with the LoadBalancer address) with the workload cluster's CA
   * and token Secrets.
   */
  public targetFor(wc: WorkloadClusterConfig, hostOverride?: string): GatewayTarget {
    const host = hostOverride ?? this.gatewayConfig.externalHost;
    if (host === undefined) {
      throw new ValidationError(
        [{ field: 'multiCluster.management.telemetryGateway.externalHost', value: undefined, allowed: 'the DNS name workload clusters dial (required to render workload clusters)' }],
        'ManagementClusterStack.targetFor',
      );
    }
    const remote = this.gateway.remoteEndpoint(host);
    return {
      host: remote.host,
      port: this.gatewayConfig.port ?? remote.port,
      ca: wc.gatewayCaSecret ?? { name: 'telemetry-gateway-ca', key: 'ca.crt' },
      serverName: this.gatewayConfig.tlsServerName,
      auth: { bearerToken: wc.gatewayTokenSecret },
    };
  }
}

export interface WorkloadClusterStackProps {
  readonly config: LgtmConfig;
  readonly cluster: WorkloadClusterConfig;
  /** The management cluster whose telemetry gateway receives this cluster's signals. */
  readonly management: ManagementClusterStack;
  /** Gateway host to dial instead of the configured external host. */
  readonly gatewayHost?: string;
}

/**
 * A workload (spoke) cluster: node agents and the three signal collectors,
 * all exporting to the management cluster's telemetry gateway and stamping
 * this cluster's name on every signal, plus gateway policies pointing at the
 * local collectors.
 */
export class WorkloadClusterStack extends Chart {
  /** Which layout chart this is. */
  public readonly role = 'workload' as const;
  public readonly clusterName: string;
  public readonly collection: TelemetryCollection;
  public readonly gatewayTarget: GatewayTarget;

  constructor(scope: Construct, id: string, props: WorkloadClusterStackProps) {
    ensureValidConfig(props.config, 'WorkloadClusterStack config');
    const namespace = props.config.namespace ?? DEFAULT_NAMESPACE;
    super(scope, id, { namespace, disableResourceNameHashes: true });
    const wc = props.cluster;
    this.clusterName = wc.name;
    new TelemetryNamespace(this, 'namespace', { name: namespace });
    this.gatewayTarget = props.management.targetFor(wc, props.gatewayHost);
    const index = props.config.multiCluster?.workloadClusters.indexOf(wc) ?? -1;
    const { collection } = workloadSections(props.config, wc, Math.max(index, 0));
    this.collection = new TelemetryCollection(this, 'collection', { ...collection, namespace, destination: { gateway: this.gatewayTarget } });
    stackNetworkPolicies(this, namespace, props.config.networkPolicy);
  }
}

/** The charts of a multi-cluster deployment: one per cluster. */
export interface MultiClusterCharts {
  readonly management: ManagementClusterStack;
  readonly workloads: WorkloadClusterStack[];
}

/**
 * Builds one chart per cluster and collects every cluster's dashboards and
 * alert rules into the management cluster's Grafana and Prometheus. Chart ids (and so file names) are
 * `<prefix>-<cluster>`, e.g. `multi-cluster-fleet-mgmt`.
 */
export function multiClusterCharts(app: App | Construct, prefix: string, config: LgtmConfig, opts: { gatewayHost?: string } = {}): MultiClusterCharts {
  const mc = config.multiCluster!;
  const management = new ManagementClusterStack(app, `${prefix}-${mc.management.name}`, config);
  const workloads = mc.workloadClusters.map(
    (wc) => new WorkloadClusterStack(app, `${prefix}-${wc.name}`, { config, cluster: wc, management, gatewayHost: opts.gatewayHost }),
  );
  // The management cluster's Grafana and Prometheus serve every cluster: collect from all of them.
  management.backends.collect(management, ...workloads);
  return { management, workloads };
}
