/**
 * The one configuration model of a deployment, shared by the cdk8s entry
 * point (`npm run synth`) and the Pulumi program. It is composed from the
 * components' own option schemas (`LOKI_OPTIONS`, `TEMPO_OPTIONS`, ...): a
 * component section of the config file IS that component's props, plus an
 * `enabled` flag; the layout fields (layout, name, namespace, clusters,
 * gateway address and Secrets) are defined here. From this one definition
 * come the TypeScript types ({@link LgtmConfig}), the JSON Schema
 * ({@link CONFIG_SCHEMA}, published as `schema/lgtm-config.schema.json` by
 * `npm run schema`), the README's config reference, and the checks.
 *
 * {@link validateConfig} checks a parsed file in one pass and reports every
 * problem together, each naming the config path the user wrote, the value
 * (never that of an unknown field or of a credential-like field) and what is
 * allowed:
 * - the JSON Schema (structure, types, grammars, unknown fields with the
 *   closest known one), by ajv's validator generated from the schema at
 *   build time (stacks/precompiled.ts);
 * - the components' rule tables, run on the props each layout will build
 *   (the same tables the constructs run at construction);
 * - the layout rules below (cross-field conflicts between layouts, clusters
 *   and gateway settings).
 */
import { Type } from '@sinclair/typebox';
import { GRAFANA_OPTIONS, grafanaRules } from '../components/grafana/options';
import { LOKI_OPTIONS, lokiRules } from '../components/loki/options';
import { PROMETHEUS_OPTIONS, prometheusRules } from '../components/prometheus/options';
import { TEMPO_OPTIONS, tempoRules } from '../components/tempo/options';
import { CLUSTER_NAME } from '../components/collector/common';
import { TELEMETRY_GATEWAY_OPTIONS } from '../components/collector/gateway';
import { queueRules } from '../components/collector/queue';
import { SecretKeyRefSchema } from '../lib/endpoint';
import { NETWORK_POLICY_OPTIONS, networkPolicyRules } from '../lib/network/options';
import { Bool, Documented, Enum, Int, List, Obj, Opt, schemaProblems, Static, Str, TSchema } from '../lib/schema';
import { check, mergeProblems, Problem, Rule, ValidationError } from '../lib/validation';
import {
  DNS1035_LABEL_ALLOWED,
  DNS1035_LABEL_PATTERN,
  DNS1123_SUBDOMAIN_ALLOWED,
  DNS1123_SUBDOMAIN_PATTERN,
  HOST_ALLOWED,
  HOST_PATTERN,
  STACK_NAMESPACE_ALLOWED,
  STACK_NAMESPACE_PATTERN,
} from '../lib/values';
import { AGENT_OPTIONS, COLLECTOR_OPTIONS, collectionRules, GATEWAY_POLICY_OPTIONS } from './collection';
import { allowWorkloadRules } from './network';
import { precompiledValidator } from './precompiled';
import { layoutSections } from './props';

export const LAYOUTS = ['single-node', 'per-cluster', 'multi-cluster'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** A component section: the component's options plus `enabled`. */
function section<P extends Record<string, any>>(options: { properties: P; description?: string }) {
  return Obj({ enabled: Opt(Bool({ doc: 'Deploy this component.', default: 'true' })), ...options.properties }, { doc: options.description?.replace(/ Allowed: .*$/, '') });
}

const TELEMETRY_GATEWAY_CONFIG = Obj(
  {
    externalHost: Opt(
      Str(HOST_PATTERN, HOST_ALLOWED, {
        doc: 'DNS name (or IP) the workload clusters dial; required for cdk8s output, optional with Pulumi (the LoadBalancer address is used).',
      }),
    ),
    port: Opt(Int(1, 65535, { allowed: 'an integer port from 1 to 65535', doc: 'Port the workload clusters dial.', default: "4317 (the gateway Service's OTLP gRPC port)" })),
    tlsServerName: Opt(Str(HOST_PATTERN, HOST_ALLOWED, { doc: "Name in the gateway's TLS certificate that clients verify.", default: 'externalHost' })),
    ...TELEMETRY_GATEWAY_OPTIONS.properties,
    tlsSecret: Str(DNS1123_SUBDOMAIN_PATTERN, `a kubernetes.io/tls Secret name (${DNS1123_SUBDOMAIN_ALLOWED})`, {
      maxLength: 253,
      doc: "kubernetes.io/tls Secret with the gateway's certificate and key (tls.crt, tls.key).",
    }),
    authTokenSecret: Documented(SecretKeyRefSchema, 'Secret key with the bearer tokens the gateway accepts.'),
  },
  { doc: 'The telemetry gateway that receives OTLP from the workload clusters (TLS, bearer token).' },
);

const WORKLOAD_CLUSTER = Obj(
  {
    name: CLUSTER_NAME,
    gatewayPolicies: Opt(GATEWAY_POLICY_OPTIONS),
    collectors: Opt(COLLECTOR_OPTIONS),
    agents: Opt(AGENT_OPTIONS),
    gatewayCaSecret: Opt(
      Documented(SecretKeyRefSchema, 'Secret (in the workload cluster) with the CA bundle that signed the gateway certificate.', '{ name: telemetry-gateway-ca, key: ca.crt }'),
    ),
    gatewayTokenSecret: Documented(SecretKeyRefSchema, 'Secret (in the workload cluster) with the bearer token for the gateway.'),
  },
  { allowed: 'a workload cluster: { name, gatewayTokenSecret, gatewayCaSecret?, collectors?, agents?, gatewayPolicies? }' },
);

const MULTI_CLUSTER = Obj(
  {
    management: Obj(
      {
        name: CLUSTER_NAME,
        telemetryGateway: TELEMETRY_GATEWAY_CONFIG,
        gatewayPolicies: Opt(GATEWAY_POLICY_OPTIONS),
      },
      { doc: 'The management (hub) cluster: backends, Grafana and the telemetry gateway.' },
    ),
    workloadClusters: List(WORKLOAD_CLUSTER, 'a list of 1 to 1000 workload clusters', { minItems: 1, maxItems: 1000, doc: 'The workload (spoke) clusters.' }),
  },
  { doc: 'The clusters of the multi-cluster layout.' },
);

const CONFIG = Obj(
  {
    $schema: Opt(Type.String({ description: 'Editor hint: path or URL of the JSON Schema.' })),
    layout: Enum(LAYOUTS, { doc: 'The layout to render.' }),
    name: Opt(Str(DNS1035_LABEL_PATTERN, DNS1035_LABEL_ALLOWED, { maxLength: 63, doc: 'Deployment name, appended to output file names.', default: 'the layout' })),
    namespace: Opt(Str(STACK_NAMESPACE_PATTERN, STACK_NAMESPACE_ALLOWED, { maxLength: 63, doc: 'Namespace of the stack.', default: 'telemetry' })),
    clusterName: Opt(Documented(CLUSTER_NAME, "The cluster's name (single-node and per-cluster), stamped on every signal.")),
    loki: Opt(section(LOKI_OPTIONS)),
    tempo: Opt(section(TEMPO_OPTIONS)),
    prometheus: Opt(section(PROMETHEUS_OPTIONS)),
    grafana: Opt(section(GRAFANA_OPTIONS)),
    collectors: Opt(COLLECTOR_OPTIONS),
    agents: Opt(AGENT_OPTIONS),
    gatewayPolicies: Opt(GATEWAY_POLICY_OPTIONS),
    multiCluster: Opt(MULTI_CLUSTER),
    networkPolicy: Opt(NETWORK_POLICY_OPTIONS),
  },
  { doc: 'otel-lgtm-k8s deployment configuration.' },
);

/** A parsed and validated config file. */
export type LgtmConfig = Static<typeof CONFIG>;
export type LokiSection = NonNullable<LgtmConfig['loki']>;
export type TempoSection = NonNullable<LgtmConfig['tempo']>;
export type PrometheusSection = NonNullable<LgtmConfig['prometheus']>;
export type GrafanaSection = NonNullable<LgtmConfig['grafana']>;
export type CollectorsConfig = NonNullable<LgtmConfig['collectors']>;
export type AgentsConfig = NonNullable<LgtmConfig['agents']>;
export type GatewayPoliciesConfig = NonNullable<LgtmConfig['gatewayPolicies']>;
export type MultiClusterConfig = Static<typeof MULTI_CLUSTER>;
export type TelemetryGatewayConfig = Static<typeof TELEMETRY_GATEWAY_CONFIG>;
export type WorkloadClusterConfig = Static<typeof WORKLOAD_CLUSTER>;
export type NetworkPolicyConfig = NonNullable<LgtmConfig['networkPolicy']>;

/** The JSON Schema (draft-07) of the config file: the validator's input and the published schema. */
export const CONFIG_SCHEMA: TSchema & { readonly title: string } = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'otel-lgtm-k8s deployment configuration',
  ...CONFIG,
};

// ---------------------------------------------------------------------------
// Layout rules: cross-field conflicts between layouts, clusters and gateways
// ---------------------------------------------------------------------------

/**
 * Which front end reads the config: the cdk8s synth must know the gateway's
 * address when it renders, Pulumi can use the LoadBalancer's address once it
 * exists (then the certificate name must be given).
 */
export type FrontEnd = 'cdk8s' | 'pulumi';

function frontEndRules(c: LgtmConfig, frontEnd: FrontEnd | undefined): Rule[] {
  const gw = c.multiCluster?.management?.telemetryGateway;
  if (c.layout !== 'multi-cluster' || !gw || gw.externalHost !== undefined) return [];
  const field = 'multiCluster.management.telemetryGateway';
  if (frontEnd === 'cdk8s') {
    return [
      {
        field: `${field}.externalHost`,
        value: undefined,
        required: true,
        ok: () => true,
        allowed: 'the DNS name workload clusters dial (required for cdk8s output; the Pulumi front end can use the LoadBalancer address instead)',
      },
    ];
  }
  if (frontEnd === 'pulumi') {
    return [
      {
        field: `${field}.tlsServerName`,
        value: gw.tlsServerName,
        required: true,
        ok: () => true,
        allowed: 'the DNS name in the gateway certificate, required when externalHost is not set (the LoadBalancer address is not a name the certificate can carry)',
      },
      // Only a LoadBalancer reports an address the workload clusters can dial.
      ...(gw.serviceType !== undefined && gw.serviceType !== 'LoadBalancer'
        ? [
            {
              field: `${field}.externalHost`,
              value: undefined,
              required: true,
              ok: () => true,
              allowed: `the DNS name workload clusters dial, required with serviceType "${gw.serviceType}" (only a LoadBalancer Service reports an address)`,
            },
          ]
        : []),
    ];
  }
  return [];
}

function layoutRules(c: LgtmConfig): Rule[] {
  const rules: Rule[] = [];
  const layout = c.layout;
  const no = (field: string, value: unknown, allowed: string): Rule => ({ field, value, ok: () => false, allowed });
  if (layout !== 'multi-cluster') {
    rules.push(
      { field: 'clusterName', value: c.clusterName, required: true, ok: () => true, allowed: `a cluster name (${DNS1123_SUBDOMAIN_ALLOWED}), required for layout "${layout}"` },
      no('multiCluster', c.multiCluster === undefined ? undefined : '{…}', `only with layout "multi-cluster" (layout is "${layout}")`),
    );
  } else {
    rules.push(
      { field: 'multiCluster', value: c.multiCluster, required: true, ok: () => true, allowed: 'the management and workload clusters, required for layout "multi-cluster"' },
      no('clusterName', c.clusterName, 'not set with layout "multi-cluster" (name clusters under multiCluster)'),
      no('gatewayPolicies', c.gatewayPolicies === undefined ? undefined : '{…}', 'not set with layout "multi-cluster": set it per cluster under multiCluster'),
    );
    for (const k of ['loki', 'tempo', 'prometheus'] as const) {
      rules.push(no(`${k}.enabled`, c[k]?.enabled === false ? false : undefined, 'true or unset with layout "multi-cluster" (the telemetry gateway fans out to Loki, Tempo and Prometheus)'));
    }
    const mc = c.multiCluster;
    if (mc?.management && Array.isArray(mc.workloadClusters)) {
      const seen = new Map<string, string>([[mc.management.name, 'multiCluster.management.name']]);
      mc.workloadClusters.forEach((w, i) => {
        const field = `multiCluster.workloadClusters[${i}].name`;
        const other = seen.get(w?.name);
        rules.push(no(field, other ? w.name : undefined, `a cluster name not already used by ${other}`));
        if (!other) seen.set(w?.name, field);
      });
      const gw = mc.management.telemetryGateway;
      rules.push(
        no(
          'multiCluster.management.telemetryGateway.serviceType',
          gw?.serviceType === 'ClusterIP' && gw.externalHost === undefined ? gw.serviceType : undefined,
          '"LoadBalancer" or "NodePort", or set externalHost (a ClusterIP Service has no address the workload clusters could dial)',
        ),
      );
    }
  }
  if (layout !== 'multi-cluster') {
    rules.push(no('collectors.gatewayQueue', c.collectors?.gatewayQueue === undefined ? undefined : '{…}', `only with layout "multi-cluster" (the queue towards the telemetry gateway; layout is "${layout}")`));
  }
  if (layout === 'single-node') {
    rules.push(no('collectors.replicas', c.collectors?.replicas !== undefined && c.collectors.replicas !== 1 ? c.collectors.replicas : undefined, '1 with layout "single-node"'));
    for (const k of ['loki', 'tempo'] as const) {
      rules.push(no(`${k}.storage.s3`, c[k]?.storage?.s3 ? '{…}' : undefined, 'no object store with layout "single-node" (it uses small PVCs)'));
    }
  }
  // Two backends writing into one bucket would mix (and, with retention, delete) each other's objects.
  const l = c.loki?.enabled !== false ? c.loki?.storage?.s3 : undefined;
  const t = c.tempo?.enabled !== false ? c.tempo?.storage?.s3 : undefined;
  if (l && t && l.endpoint === t.endpoint && l.bucket === t.bucket) {
    rules.push(no('tempo.storage.s3.bucket', t.bucket, `a bucket other than loki.storage.s3.bucket ${JSON.stringify(l.bucket)} on the same endpoint (each backend needs its own bucket)`));
  }
  return rules;
}

/** The components' rule tables, on the props the layout builds, under the config paths. */
function componentRules(c: LgtmConfig): Rule[] {
  const rules: Rule[] = [];
  for (const chart of layoutSections(c)) {
    const b = chart.backends;
    if (b?.loki) rules.push(...lokiRules(b.loki, 'loki'));
    if (b?.tempo) rules.push(...tempoRules(b.tempo, 'tempo'));
    if (b?.prometheus) rules.push(...prometheusRules(b.prometheus, 'prometheus'));
    if (b?.grafana) rules.push(...grafanaRules(b.grafana, 'grafana'));
    rules.push(...collectionRules(chart.collection, chart.collection.paths, chart.collection.destination));
  }
  rules.push(...networkPolicyRules(c.networkPolicy, 'networkPolicy'), ...allowWorkloadRules(c));
  const gw = c.multiCluster?.management?.telemetryGateway;
  if (gw) rules.push(...queueRules('multiCluster.management.telemetryGateway.queue', gw.queue));
  return rules;
}

/** Rules that cannot even be built for a config of the wrong shape are left out: the schema reports the shape. */
function safely(build: () => Rule[]): Rule[] {
  try {
    return build();
  } catch {
    return [];
  }
}

// The JSON Schema validator, generated from CONFIG_SCHEMA at build time (scripts/compile-schema.js):
// no JSON Schema compilation at run time.
const schemaCheck = precompiledValidator(CONFIG_SCHEMA);

/**
 * Validates a parsed config file. Returns the typed config or throws a
 * {@link ValidationError} listing every problem (config path, value, allowed).
 * @param source shown in the error (the file name)
 * @param frontEnd adds the rules of the front end that will deploy it
 */
export function validateConfig(config: unknown, source?: string, frontEnd?: FrontEnd): LgtmConfig {
  const problems = configProblems(config, frontEnd);
  if (problems.length > 0) throw new ValidationError(problems, source);
  VALIDATED.add(config as object);
  return config as LgtmConfig;
}

/** Config objects that passed {@link validateConfig} (so the layout charts do not check them twice). */
const VALIDATED = new WeakSet<object>();

/**
 * The check of a layout chart, at construction: a config that did not come
 * through {@link validateConfig} is validated now, naming `source`.
 */
export function ensureValidConfig(config: LgtmConfig, source: string): void {
  if (typeof config !== 'object' || config === null || !VALIDATED.has(config)) validateConfig(config, source);
}

/** Every problem of a parsed config file (empty when it is valid). */
export function configProblems(config: unknown, frontEnd?: FrontEnd): Problem[] {
  if (config === undefined || config === null) return [{ field: '(root)', value: undefined, allowed: 'a mapping of config fields with at least "layout"' }];
  const valid = schemaCheck(config);
  let schema: Problem[] = [];
  if (!valid) {
    // The compiled validator decides; the schema walk explains, with the config paths and "allowed" sentences.
    schema = schemaProblems(CONFIG_SCHEMA, config, '');
    if (schema.length === 0) {
      schema = (schemaCheck.errors ?? []).map((e) => ({ field: fieldPath(e.instancePath), value: undefined, allowed: e.message ?? 'a valid value', conceal: 'sensitive' as const }));
    }
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return schema;
  const c = config as LgtmConfig;
  return mergeProblems(
    schema,
    check([...safely(() => layoutRules(c)), ...safely(() => frontEndRules(c, frontEnd)), ...(LAYOUTS.includes(c.layout) ? safely(() => componentRules(c)) : [])]),
  );
}

/** `/multiCluster/workloadClusters/0/name` → `multiCluster.workloadClusters[0].name`. */
function fieldPath(instancePath: string): string {
  let out = '';
  for (const s of instancePath.split('/').slice(1)) {
    const seg = s.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(root)' : out;
}
