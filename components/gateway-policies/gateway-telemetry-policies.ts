import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ReferenceGrantV1Beta1 } from '../../imports/gateway-api-referencegrants-gateway.networking.k8s.io';
import { HttpListenerPolicy } from '../../imports/kgateway-httplistenerpolicies-gateway.kgateway.dev';
import { ListenerPolicy } from '../../imports/kgateway-listenerpolicies-gateway.kgateway.dev';
import { resolveNamespace } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { MANAGED_BY, PART_OF } from '../../lib/naming';
import { is, Rule, validate, ValidationError } from '../../lib/validation';
import { matches } from '../../lib/values';
import {
  BackendReference,
  DEFAULT_KGATEWAY_VERSION,
  GATEWAY_API_GROUP,
  GATEWAY_NAME_POD_LABEL,
  GATEWAY_POLICY_APIS,
  GatewayPolicyApi,
  GatewayTargetRef,
  gatewayTargetRef,
  openTelemetryAccessLog,
  openTelemetryTracing,
  planReferenceGrants,
  KGATEWAY_VERSION_ALLOWED,
  KGATEWAY_VERSION_PATTERN,
  compareMinor,
  PlannedReferenceGrant,
  policyApiFor,
  policySpec,
  servesPolicyApi,
  serviceBackendRef,
  TelemetryHttpSettings,
  TracingSampling,
} from './policies';

/**
 * Anything that serves OTLP over gRPC on a Kubernetes Service, such as this
 * package's OpenTelemetry collectors (`endpoints.otlpGrpc`).
 */
export interface OtlpGrpcCollector {
  readonly endpoints: { readonly otlpGrpc: Endpoint };
}

/** A Gateway (gateway.networking.k8s.io) the policies attach to. */
export interface GatewayRef {
  /** The Gateway's name. */
  readonly name: string;
  /**
   * The Gateway's namespace; the policies are created there.
   * @default the construct's `namespace` prop, else the enclosing Chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /**
   * `service.name` of this Gateway's spans.
   * @default `tracing.serviceName`, else the Gateway name
   */
  readonly serviceName?: string;
  /**
   * Log stream name of this Gateway's access logs.
   * @default `accessLog.logName`, else `<gateway name>-access-logs`
   */
  readonly logName?: string;
}

/**
 * The {@link GatewayRef} of a Gateway API object created in cdk8s (any
 * `ApiObject` of kind Gateway in group gateway.networking.k8s.io).
 */
export function gatewayRef(gateway: ApiObject, overrides: Omit<GatewayRef, 'name' | 'namespace'> = {}): GatewayRef {
  const group = gateway.apiVersion.split('/')[0];
  if (gateway.kind !== 'Gateway' || group !== GATEWAY_API_GROUP) {
    throw new ValidationError([{ field: 'gateway', value: `${gateway.apiVersion} ${gateway.kind}`, allowed: `a ${GATEWAY_API_GROUP} Gateway` }], 'gatewayRef');
  }
  return { ...overrides, name: gateway.name, namespace: gateway.metadata.namespace };
}

/** Access log settings shared by all Gateways. */
export interface AccessLogOptions {
  /**
   * Log stream name (Envoy `log_name`), unless a Gateway sets its own.
   * @default `<gateway name>-access-logs`
   */
  readonly logName?: string;
  /** Log record body in Envoy access-log format. @default DEFAULT_ACCESS_LOG_BODY (method, path, status, authority, upstream cluster) */
  readonly body?: string;
  /** Extra log record attributes (string values). @default none */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Stop Envoy adding its built-in labels (log_name, zone_name, cluster_name, node_name). @default unset (Envoy adds them) */
  readonly disableBuiltinLabels?: boolean;
}

/** Tracing settings shared by all Gateways. */
export interface TracingOptions extends TracingSampling {
  /**
   * `service.name` of the spans, unless a Gateway sets its own.
   * @default the Gateway name
   */
  readonly serviceName?: string;
  /** Create a separate span for each upstream request. @default true */
  readonly spawnUpstreamSpan?: boolean;
  /** Annotate spans with stream events. @default unset (false) */
  readonly verbose?: boolean;
}

export interface GatewayTelemetryPoliciesProps {
  /** The Gateways to instrument; at least one, each at most once. */
  readonly gateways: readonly GatewayRef[];
  /** Where access logs go (OTLP gRPC). @default no access-log policies */
  readonly logs?: OtlpGrpcCollector;
  /** Where spans go (OTLP gRPC). @default no tracing policies */
  readonly traces?: OtlpGrpcCollector;
  /**
   * The kgateway version of the cluster: it decides the policy kind
   * (`ListenerPolicy` from 2.2, `HTTPListenerPolicy` before).
   * @default DEFAULT_KGATEWAY_VERSION ('2.2')
   */
  readonly kgatewayVersion?: string;
  /**
   * The kgateway policy kind to render, when it must differ from the
   * version's: `HTTPListenerPolicy` (kgateway 2.0-2.2; deprecated in 2.2) or
   * `ListenerPolicy` (kgateway 2.2 and later). A kind the version does not
   * serve is refused.
   * @default the version's ({@link policyApiFor})
   */
  readonly api?: GatewayPolicyApi;
  /** Access log settings (only with `logs`). */
  readonly accessLog?: AccessLogOptions;
  /** Tracing settings (only with `traces`). */
  readonly tracing?: TracingOptions;
  /**
   * Default namespace of Gateways given without one.
   * @default the enclosing Chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /**
   * Create the ReferenceGrants that cross-namespace backend references need
   * (in the collector's namespace). Turn off when another construct already
   * renders them.
   * @default true
   */
  readonly referenceGrants?: boolean;
}

const FIELD = 'gatewayTelemetry';
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const isDns1123Label = (v: unknown) => typeof v === 'string' && v.length <= 63 && DNS1123_LABEL.test(v);
const DNS1123_LABEL_ALLOWED = 'a DNS-1123 label: lower-case letters, digits and "-", alphanumeric at both ends, at most 63 characters';
const PERCENT_ALLOWED = 'an integer percentage from 0 to 100';
const isBool = (v: unknown) => typeof v === 'boolean';

/**
 * kgateway telemetry for one or more Gateways: per Gateway an access-log
 * policy `<gateway>-access-logs` (OpenTelemetry access logs over gRPC to the
 * logs collector) and a tracing policy `<gateway>-tracing` (OpenTelemetry
 * tracer sending to the traces collector), as HTTPListenerPolicy or
 * ListenerPolicy objects in the Gateway's namespace; plus, in each collector's
 * namespace, the ReferenceGrants that let policies in other namespaces
 * reference the collector Service (one per Service, policy namespace and kind;
 * none for same-namespace references).
 *
 * kgateway merges several policies attached to one Gateway field by field, so
 * the access-log and tracing policies do not override each other.
 *
 * Render all Gateways of a cluster through one instance: two instances that
 * reference the same collector from the same namespace would both render the
 * same ReferenceGrant (set `referenceGrants: false` on one of them).
 */
export class GatewayTelemetryPolicies extends Construct {
  /** The policy kind rendered. */
  public readonly api: GatewayPolicyApi;
  /** Every policy object, in Gateway order (access logs, then tracing, per Gateway). */
  public readonly policies: readonly ApiObject[];
  /** Every ReferenceGrant object. */
  public readonly referenceGrants: readonly ApiObject[];
  /** The grants as plain data (name, namespace, from, to). */
  public readonly plannedReferenceGrants: readonly PlannedReferenceGrant[];

  constructor(scope: Construct, id: string, props: GatewayTelemetryPoliciesProps) {
    // Validate everything before this construct (or any child) joins the tree.
    validate('GatewayTelemetryPolicies props', gatewayTelemetryRules(props));
    const api = props.api ?? policyApiFor(props.kgatewayVersion ?? DEFAULT_KGATEWAY_VERSION);
    const defaultNamespace = resolveNamespace(scope, props.namespace);
    const gateways = props.gateways.map((g) => ({ ...g, namespace: g.namespace ?? defaultNamespace }));
    validate('GatewayTelemetryPolicies props', [
      {
        field: `${FIELD}.gateways`,
        value: gateways.map((g) => `${g.namespace}/${g.name}`),
        ok: (v: string[]) => new Set(v).size === v.length,
        allowed: 'each Gateway (namespace/name) at most once',
      },
      ...gateways.map((g, i) => ({
        field: `${FIELD}.gateways[${i}].namespace`,
        value: g.namespace,
        ok: isDns1123Label,
        allowed: DNS1123_LABEL_ALLOWED,
      })),
    ]);
    super(scope, id);

    this.api = api;
    const policies: ApiObject[] = [];
    const refs: BackendReference[] = [];
    for (const g of gateways) {
      const targetRefs = [gatewayTargetRef(g.name)];
      if (props.logs) {
        const endpoint = props.logs.endpoints.otlpGrpc;
        const accessLog = openTelemetryAccessLog({
          endpoint,
          logName: g.logName ?? props.accessLog?.logName ?? `${g.name}-access-logs`,
          body: props.accessLog?.body,
          attributes: props.accessLog?.attributes,
          disableBuiltinLabels: props.accessLog?.disableBuiltinLabels,
        });
        policies.push(this.policy(api, `${g.name}-access-logs`, g.namespace, g.name, 'access-logs', targetRefs, { accessLog: [accessLog] }));
        refs.push({ fromKind: api, fromNamespace: g.namespace, backendRef: serviceBackendRef(endpoint) });
        envoyReaches(g, endpoint, 'access logs');
      }
      if (props.traces) {
        const endpoint = props.traces.endpoints.otlpGrpc;
        const tracing = openTelemetryTracing({
          endpoint,
          serviceName: g.serviceName ?? props.tracing?.serviceName ?? g.name,
          spawnUpstreamSpan: props.tracing?.spawnUpstreamSpan,
          randomSampling: props.tracing?.randomSampling,
          clientSampling: props.tracing?.clientSampling,
          overallSampling: props.tracing?.overallSampling,
          verbose: props.tracing?.verbose,
        });
        policies.push(this.policy(api, `${g.name}-tracing`, g.namespace, g.name, 'tracing', targetRefs, { tracing }));
        refs.push({ fromKind: api, fromNamespace: g.namespace, backendRef: serviceBackendRef(endpoint) });
        envoyReaches(g, endpoint, 'spans');
      }
    }
    this.policies = policies;

    this.plannedReferenceGrants = props.referenceGrants ?? true ? planReferenceGrants(refs) : [];
    this.referenceGrants = this.plannedReferenceGrants.map(
      (grant) =>
        new ReferenceGrantV1Beta1(this, `grant.${grant.namespace}.${grant.name}`, {
          metadata: {
            name: grant.name,
            namespace: grant.namespace,
            labels: labels('reference-grant', grant.to[0].name),
          },
          spec: { from: grant.from, to: grant.to },
        }),
    );
  }

  private policy(
    api: GatewayPolicyApi,
    name: string,
    namespace: string,
    gateway: string,
    component: string,
    targetRefs: GatewayTargetRef[],
    settings: TelemetryHttpSettings,
  ): ApiObject {
    const metadata = { name, namespace, labels: labels(component, gateway) };
    const id = `${namespace}.${name}`;
    return api === 'HTTPListenerPolicy'
      ? new HttpListenerPolicy(this, id, { metadata, spec: policySpec(api, targetRefs, settings) })
      : new ListenerPolicy(this, id, { metadata, spec: policySpec(api, targetRefs, settings) });
  }
}

/**
 * Records the network edge from a Gateway's Envoy pods (in the Gateway's
 * namespace, labelled with its name by kgateway) to a collector's OTLP gRPC
 * port, on the collector's side (an endpoint without an owner, one not served
 * by a workload of this package, records nothing).
 */
function envoyReaches(g: { name: string; namespace: string }, endpoint: Endpoint, what: string): void {
  endpoint.owner?.allowFrom(
    { kind: 'pods', namespaces: [g.namespace], podSelector: { [GATEWAY_NAME_POD_LABEL]: g.name }, description: `Envoy pods of Gateway ${g.namespace}/${g.name}` },
    [{ port: endpoint.port }],
    `Gateway ${g.namespace}/${g.name} sends ${what} to ${endpoint.service}`,
  );
}

/** Recommended labels of the rendered objects; `instance` is the Gateway (or, for grants, the Service). */
function labels(component: string, instance: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'kgateway-telemetry',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** The rules of a collector's OTLP gRPC endpoint. */
function collectorRules(field: string, c: OtlpGrpcCollector | undefined): Rule[] {
  if (c === undefined) return [];
  const e = c?.endpoints?.otlpGrpc;
  const base = `${FIELD}.${field}.endpoints.otlpGrpc`;
  if (e === null || typeof e !== 'object') {
    return [{ field: base, value: e, required: true, ok: () => false, allowed: 'an Endpoint (a collector construct exposing endpoints.otlpGrpc)' }];
  }
  return [
    { field: `${base}.service`, value: e.service, ok: is.dnsLabel, allowed: `${is.dnsLabelAllowed} (a Service name)` },
    { field: `${base}.namespace`, value: e.namespace, ok: isDns1123Label, allowed: DNS1123_LABEL_ALLOWED },
    { field: `${base}.port`, value: e.port, ok: is.port, allowed: is.portAllowed },
    { field: `${base}.protocol`, value: e.protocol, ok: (v) => v === 'grpc', allowed: '"grpc" (an OTLP gRPC port)' },
    {
      field: `${base}.host`,
      value: e.host,
      ok: (v) => v === `${e.service}.${e.namespace}.svc`,
      allowed: `the in-cluster Service host "${e.service}.${e.namespace}.svc" (a backendRef names a Service, not an external host)`,
    },
  ];
}

/**
 * The rules of a stated kgateway version and policy kind, under `field`
 * (`gatewayTelemetry` for the construct, `gatewayPolicies` in config files).
 */
export function kgatewayVersionRules(field: string, version: unknown, api: unknown): Rule[] {
  const v = typeof version === 'string' ? version : DEFAULT_KGATEWAY_VERSION;
  return [
    {
      field: `${field}.kgatewayVersion`,
      value: version,
      ok: (x: unknown) => matches(KGATEWAY_VERSION_PATTERN, x) && compareMinor(x, '2.0') >= 0,
      allowed: KGATEWAY_VERSION_ALLOWED,
    },
    {
      field: `${field}.api`,
      value: (GATEWAY_POLICY_APIS as readonly unknown[]).includes(api) && matches(KGATEWAY_VERSION_PATTERN, v) ? api : undefined,
      ok: (a: GatewayPolicyApi) => servesPolicyApi(v, a),
      allowed: `a policy kind kgateway ${v} serves: ${policyApiFor(v)}${servesPolicyApi(v, 'HTTPListenerPolicy') && servesPolicyApi(v, 'ListenerPolicy') ? ' (the default) or HTTPListenerPolicy' : ''} (ListenerPolicy from 2.2; HTTPListenerPolicy up to 2.2)`,
    },
  ];
}

/** The validation table of {@link GatewayTelemetryPoliciesProps}. */
function gatewayTelemetryRules(props: GatewayTelemetryPoliciesProps): Rule[] {
  const gws = Array.isArray(props.gateways) ? props.gateways : [];
  const attrs = props.accessLog?.attributes ?? {};
  return [
    {
      field: `${FIELD}.gateways`,
      value: props.gateways,
      required: true,
      ok: (v: unknown) => Array.isArray(v) && v.length > 0,
      allowed: 'a non-empty list of Gateways ({ name, namespace })',
    },
    ...gws.flatMap((g, i) => [
      { field: `${FIELD}.gateways[${i}].name`, value: g?.name, required: true, ok: isDns1123Label, allowed: DNS1123_LABEL_ALLOWED },
      { field: `${FIELD}.gateways[${i}].namespace`, value: g?.namespace, ok: isDns1123Label, allowed: DNS1123_LABEL_ALLOWED },
      { field: `${FIELD}.gateways[${i}].serviceName`, value: g?.serviceName, ok: is.nonEmpty, allowed: 'a non-empty string' },
      { field: `${FIELD}.gateways[${i}].logName`, value: g?.logName, ok: is.nonEmpty, allowed: 'a non-empty string' },
    ]),
    { field: `${FIELD}.namespace`, value: props.namespace, ok: isDns1123Label, allowed: DNS1123_LABEL_ALLOWED },
    {
      field: `${FIELD}.logs / ${FIELD}.traces`,
      value: props.logs ?? props.traces,
      required: true,
      ok: () => true,
      allowed: 'a logs collector, a traces collector, or both (at least one)',
    },
    ...collectorRules('logs', props.logs),
    ...collectorRules('traces', props.traces),
    { field: `${FIELD}.api`, value: props.api, ok: is.oneOf(GATEWAY_POLICY_APIS), allowed: is.oneOfAllowed(GATEWAY_POLICY_APIS) },
    ...kgatewayVersionRules(FIELD, props.kgatewayVersion, props.api),
    { field: `${FIELD}.referenceGrants`, value: props.referenceGrants, ok: isBool, allowed: 'true or false' },
    {
      field: `${FIELD}.accessLog`,
      value: props.accessLog,
      ok: () => props.logs !== undefined,
      allowed: 'access log settings only together with a logs collector (`logs`)',
    },
    { field: `${FIELD}.accessLog.logName`, value: props.accessLog?.logName, ok: is.nonEmpty, allowed: 'a non-empty string' },
    { field: `${FIELD}.accessLog.body`, value: props.accessLog?.body, ok: is.nonEmpty, allowed: 'a non-empty Envoy access-log format string' },
    { field: `${FIELD}.accessLog.disableBuiltinLabels`, value: props.accessLog?.disableBuiltinLabels, ok: isBool, allowed: 'true or false' },
    ...Object.entries(attrs).map(([k, v]) => ({
      field: `${FIELD}.accessLog.attributes.${k}`,
      value: v,
      ok: (x: unknown) => typeof x === 'string' && k.trim().length > 0,
      allowed: 'a string value under a non-empty key',
    })),
    {
      field: `${FIELD}.tracing`,
      value: props.tracing,
      ok: () => props.traces !== undefined,
      allowed: 'tracing settings only together with a traces collector (`traces`)',
    },
    { field: `${FIELD}.tracing.serviceName`, value: props.tracing?.serviceName, ok: is.nonEmpty, allowed: 'a non-empty string' },
    { field: `${FIELD}.tracing.randomSampling`, value: props.tracing?.randomSampling, ok: is.intBetween(0, 100), allowed: PERCENT_ALLOWED },
    { field: `${FIELD}.tracing.clientSampling`, value: props.tracing?.clientSampling, ok: is.intBetween(0, 100), allowed: PERCENT_ALLOWED },
    { field: `${FIELD}.tracing.overallSampling`, value: props.tracing?.overallSampling, ok: is.intBetween(0, 100), allowed: PERCENT_ALLOWED },
    { field: `${FIELD}.tracing.spawnUpstreamSpan`, value: props.tracing?.spawnUpstreamSpan, ok: isBool, allowed: 'true or false' },
    { field: `${FIELD}.tracing.verbose`, value: props.tracing?.verbose, ok: isBool, allowed: 'true or false' },
  ];
}
