/**
 * Pure builders for the kgateway telemetry policies: the OpenTelemetry access
 * log and tracing settings, the policy `spec` for either policy API, and the
 * plan of Gateway API ReferenceGrants that cross-namespace backend references
 * need. No constructs here, so every function is easy to unit test; the
 * construct in `gateway-telemetry-policies.ts` turns the results into
 * objects of the generated (imports/) classes.
 *
 * Field names and nesting follow the real CRDs in ../shared/crds:
 * - `accessLog[].openTelemetry.{grpcService.{backendRef, logName}, body,
 *   attributes.values[], disableBuiltinLabels}` (logName sits inside grpcService and is required there);
 * - `tracing.{provider.openTelemetry.{serviceName, grpcService.backendRef},
 *   spawnUpstreamSpan, randomSampling, clientSampling, overallSampling, verbose}`
 *   (sampling fields are int32 percentages 0-100);
 * - HTTPListenerPolicy carries them at `spec.*`; ListenerPolicy (its replacement
 *   from kgateway 2.2) at `spec.default.httpSettings.*`, with the same schema.
 */
import { Endpoint } from '../../lib/endpoint';

/** API group of Gateway API objects (Gateway, ReferenceGrant). */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** API group of kgateway's policy CRDs. */
export const KGATEWAY_GROUP = 'gateway.kgateway.dev';
/** apiVersion of both kgateway listener policy kinds. */
export const KGATEWAY_POLICY_API_VERSION = `${KGATEWAY_GROUP}/v1alpha1`;
/** apiVersion used for ReferenceGrants (served and the storage version since Gateway API v0.6). */
export const REFERENCE_GRANT_API_VERSION = `${GATEWAY_API_GROUP}/v1beta1`;

/**
 * The kgateway policy kind that carries listener HTTP settings.
 *
 * - `HTTPListenerPolicy`: kgateway 2.0-2.2 (deprecated in 2.2, removed after it).
 * - `ListenerPolicy`: kgateway 2.2 and later; the settings sit under `spec.default.httpSettings`.
 */
export type GatewayPolicyApi = 'HTTPListenerPolicy' | 'ListenerPolicy';
/** Every supported {@link GatewayPolicyApi}. */
export const GATEWAY_POLICY_APIS: readonly GatewayPolicyApi[] = ['HTTPListenerPolicy', 'ListenerPolicy'];

/** A kgateway version, `major.minor` or `major.minor.patch`. */
export const KGATEWAY_VERSION_PATTERN = '^(0|[1-9][0-9]{0,3})\\.(0|[1-9][0-9]{0,3})(\\.(0|[1-9][0-9]{0,3}))?$';
export const KGATEWAY_VERSION_ALLOWED = 'a kgateway version "major.minor" or "major.minor.patch" from 2.0 on (the policy APIs exist since 2.0), such as "2.1" or "2.2.3"';
/** The kgateway version assumed when none is stated: the newest release line verified here (its CRDs are in ../shared/crds). */
export const DEFAULT_KGATEWAY_VERSION = '2.2';
/** The first kgateway release with ListenerPolicy (and the last with HTTPListenerPolicy, which it deprecates). */
export const LISTENER_POLICY_SINCE = '2.2';

/** `[major, minor]` of a version string (NaN when it is not one). */
export function kgatewayMinor(version: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
}

/** `a` compared with `b` by major and minor (negative, zero or positive). */
export function compareMinor(a: string, b: string): number {
  const [am, an] = kgatewayMinor(a);
  const [bm, bn] = kgatewayMinor(b);
  return am - bm || an - bn;
}

/**
 * The policy kind for a kgateway version: `ListenerPolicy` from 2.2 (which
 * deprecates HTTPListenerPolicy; kgateway's main branch has removed it),
 * `HTTPListenerPolicy` before.
 */
export function policyApiFor(version: string): GatewayPolicyApi {
  return compareMinor(version, LISTENER_POLICY_SINCE) >= 0 ? 'ListenerPolicy' : 'HTTPListenerPolicy';
}

/** Whether kgateway `version` serves the policy kind `api`. */
export function servesPolicyApi(version: string, api: GatewayPolicyApi): boolean {
  const c = compareMinor(version, LISTENER_POLICY_SINCE);
  return api === 'ListenerPolicy' ? c >= 0 : c <= 0;
}

/** The pod label kgateway puts on a Gateway's Envoy pods (pkg/kgateway/helm/envoy/templates/_helpers.tpl, `kgateway.gateway.selectorLabels`). */
export const GATEWAY_NAME_POD_LABEL = 'gateway.networking.k8s.io/gateway-name';

/**
 * Default OpenTelemetry log body: method, original path, status, authority and
 * upstream cluster, in Envoy access-log format. This is the format of the
 * kgateway OpenTelemetry guide without its stray leading `"` and trailing `'`.
 */
export const DEFAULT_ACCESS_LOG_BODY = '%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %RESPONSE_CODE% "%REQ(:AUTHORITY)%" "%UPSTREAM_CLUSTER%"';

/** A reference to a Kubernetes Service port (group "" and kind Service are the CRD defaults). */
export interface ServiceBackendRef {
  readonly name: string;
  readonly namespace: string;
  readonly port: number;
}

/** The backendRef of an in-cluster Service endpoint: its Service name, namespace and Service port. */
export function serviceBackendRef(endpoint: Endpoint): ServiceBackendRef {
  return { name: endpoint.service, namespace: endpoint.namespace, port: endpoint.port };
}

/** A policy target: one Gateway in the policy's own namespace. */
export interface GatewayTargetRef {
  readonly group: string;
  readonly kind: 'Gateway';
  readonly name: string;
}

/** The targetRef of a Gateway. */
export function gatewayTargetRef(gatewayName: string): GatewayTargetRef {
  return { group: GATEWAY_API_GROUP, kind: 'Gateway', name: gatewayName };
}

/** One OpenTelemetry access log entry (`accessLog[]` item). */
export interface OpenTelemetryAccessLog {
  readonly openTelemetry: {
    readonly grpcService: { readonly backendRef: ServiceBackendRef; readonly logName: string };
    readonly body?: string;
    readonly attributes?: { readonly values: { readonly key: string; readonly value: { readonly stringValue: string } }[] };
    readonly disableBuiltinLabels?: boolean;
  };
}

export interface OpenTelemetryAccessLogOptions {
  /** The logs collector's OTLP gRPC endpoint (a Service port). */
  readonly endpoint: Endpoint;
  /** Name of the log stream (Envoy's `log_name`). */
  readonly logName: string;
  /** Log record body in Envoy access-log format. @default {@link DEFAULT_ACCESS_LOG_BODY} */
  readonly body?: string;
  /** Extra log record attributes (string values), rendered sorted by key. @default none */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Stop Envoy adding its built-in labels (log_name, zone_name, cluster_name, node_name). @default unset (Envoy adds them) */
  readonly disableBuiltinLabels?: boolean;
}

/** Builds the `accessLog[]` entry that ships access logs to an OTLP gRPC collector. */
export function openTelemetryAccessLog(o: OpenTelemetryAccessLogOptions): OpenTelemetryAccessLog {
  const attrs = Object.keys(o.attributes ?? {}).sort();
  return {
    openTelemetry: {
      grpcService: { backendRef: serviceBackendRef(o.endpoint), logName: o.logName },
      body: o.body ?? DEFAULT_ACCESS_LOG_BODY,
      ...(attrs.length > 0 ? { attributes: { values: attrs.map((key) => ({ key, value: { stringValue: o.attributes![key] } })) } } : {}),
      ...(o.disableBuiltinLabels !== undefined ? { disableBuiltinLabels: o.disableBuiltinLabels } : {}),
    },
  };
}

/** The `tracing` settings with an OpenTelemetry provider. */
export interface OpenTelemetryTracing {
  readonly provider: {
    readonly openTelemetry: {
      readonly serviceName: string;
      readonly grpcService: { readonly backendRef: ServiceBackendRef };
    };
  };
  readonly spawnUpstreamSpan: boolean;
  readonly randomSampling?: number;
  readonly clientSampling?: number;
  readonly overallSampling?: number;
  readonly verbose?: boolean;
}

/** Sampling percentages (integers 0-100); unset fields keep Envoy's default of 100. */
export interface TracingSampling {
  /** Percentage of requests randomly selected for tracing when the client did not request or force it. @default unset (100) */
  readonly randomSampling?: number;
  /** Percentage of requests with an `x-client-trace-id` header that are force-traced. @default unset (100) */
  readonly clientSampling?: number;
  /** Percentage traced after all other sampling checks. @default unset (100) */
  readonly overallSampling?: number;
}

export interface OpenTelemetryTracingOptions extends TracingSampling {
  /** The traces collector's OTLP gRPC endpoint (a Service port). */
  readonly endpoint: Endpoint;
  /** `service.name` of the gateway's spans. */
  readonly serviceName: string;
  /** Create a separate span for each upstream request. @default true */
  readonly spawnUpstreamSpan?: boolean;
  /** Annotate spans with stream events. @default unset (false) */
  readonly verbose?: boolean;
}

/** Builds the `tracing` settings that ship spans to an OTLP gRPC collector. */
export function openTelemetryTracing(o: OpenTelemetryTracingOptions): OpenTelemetryTracing {
  return {
    provider: { openTelemetry: { serviceName: o.serviceName, grpcService: { backendRef: serviceBackendRef(o.endpoint) } } },
    spawnUpstreamSpan: o.spawnUpstreamSpan ?? true,
    ...(o.randomSampling !== undefined ? { randomSampling: o.randomSampling } : {}),
    ...(o.clientSampling !== undefined ? { clientSampling: o.clientSampling } : {}),
    ...(o.overallSampling !== undefined ? { overallSampling: o.overallSampling } : {}),
    ...(o.verbose !== undefined ? { verbose: o.verbose } : {}),
  };
}

/** The listener HTTP settings this package renders. */
export interface TelemetryHttpSettings {
  readonly accessLog?: OpenTelemetryAccessLog[];
  readonly tracing?: OpenTelemetryTracing;
}

/** `spec` of an HTTPListenerPolicy: the settings sit next to targetRefs. */
export interface HttpListenerPolicyTelemetrySpec extends TelemetryHttpSettings {
  readonly targetRefs: GatewayTargetRef[];
}

/** `spec` of a ListenerPolicy: the settings sit under `default.httpSettings`. */
export interface ListenerPolicyTelemetrySpec {
  readonly targetRefs: GatewayTargetRef[];
  readonly default: { readonly httpSettings: TelemetryHttpSettings };
}

/** The policy `spec` for the chosen API. */
export function policySpec(api: 'HTTPListenerPolicy', targetRefs: GatewayTargetRef[], settings: TelemetryHttpSettings): HttpListenerPolicyTelemetrySpec;
export function policySpec(api: 'ListenerPolicy', targetRefs: GatewayTargetRef[], settings: TelemetryHttpSettings): ListenerPolicyTelemetrySpec;
export function policySpec(
  api: GatewayPolicyApi,
  targetRefs: GatewayTargetRef[],
  settings: TelemetryHttpSettings,
): HttpListenerPolicyTelemetrySpec | ListenerPolicyTelemetrySpec;
export function policySpec(
  api: GatewayPolicyApi,
  targetRefs: GatewayTargetRef[],
  settings: TelemetryHttpSettings,
): HttpListenerPolicyTelemetrySpec | ListenerPolicyTelemetrySpec {
  return api === 'HTTPListenerPolicy' ? { targetRefs, ...settings } : { targetRefs, default: { httpSettings: settings } };
}

/** A policy that references a Service, possibly in another namespace. */
export interface BackendReference {
  /** Kind of the referencing policy (`HTTPListenerPolicy` or `ListenerPolicy`). */
  readonly fromKind: GatewayPolicyApi;
  /** Namespace of the referencing policy. */
  readonly fromNamespace: string;
  /** The referenced Service. */
  readonly backendRef: ServiceBackendRef;
}

/** A ReferenceGrant to create: in the Service's namespace, from one (group, kind, namespace) to that Service. */
export interface PlannedReferenceGrant {
  readonly name: string;
  readonly namespace: string;
  readonly from: { readonly group: string; readonly kind: GatewayPolicyApi; readonly namespace: string }[];
  readonly to: { readonly group: ''; readonly kind: 'Service'; readonly name: string }[];
}

/**
 * Stable name of the grant that lets `fromKind` objects in `fromNamespace`
 * reference Service `service`, e.g. `allow-httplistenerpolicy.kgateway-system.to.otel-logs`.
 * Kind, namespace and Service names contain no dots, so the name is unambiguous.
 */
export function referenceGrantName(fromKind: GatewayPolicyApi, fromNamespace: string, service: string): string {
  return `allow-${fromKind.toLowerCase()}.${fromNamespace}.to.${service}`;
}

/**
 * The ReferenceGrants that the given references need: one per (Service,
 * referencing namespace, kind) for references that cross namespaces, none for
 * same-namespace references; duplicates are merged and the result is sorted by
 * grant namespace and name.
 */
export function planReferenceGrants(refs: readonly BackendReference[]): PlannedReferenceGrant[] {
  const grants = new Map<string, PlannedReferenceGrant>();
  for (const r of refs) {
    if (r.fromNamespace === r.backendRef.namespace) continue;
    const name = referenceGrantName(r.fromKind, r.fromNamespace, r.backendRef.name);
    const key = `${r.backendRef.namespace}/${name}`;
    if (grants.has(key)) continue;
    grants.set(key, {
      name,
      namespace: r.backendRef.namespace,
      from: [{ group: KGATEWAY_GROUP, kind: r.fromKind, namespace: r.fromNamespace }],
      to: [{ group: '', kind: 'Service', name: r.backendRef.name }],
    });
  }
  return [...grants.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}
