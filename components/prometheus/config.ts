import { stringifyYaml } from '../../lib/yaml-writer';
import { KubernetesSdRole, ScrapeConfig, ScrapeProtocol, SCRAPE_PROTOCOLS } from '../../lib/scrape-config';
import { is, Rule } from '../../lib/validation';
import { LABEL_NAME_ALLOWED, matches, PROMETHEUS_METRIC_NAME_ALLOWED, PROMETHEUS_METRIC_NAME_PATTERN } from '../../lib/values';
import { isLabels } from '../../lib/scrape-config';
import { isValidPromql, promqlAllowed } from '../../lib/promql';

/**
 * The Prometheus 3.16 configuration file (`prometheus.yml`) and rule files,
 * built as typed objects by pure functions so tests can assert them exactly.
 * Every key below is one the pinned release accepts
 * (prometheus v3.16.0 docs/configuration/configuration.md and
 * docs/configuration/recording_rules.md / alerting_rules.md).
 */

/** The HTTP port (UI, API, `/-/ready`, remote-write and OTLP receivers). Prometheus's default. */
export const PROMETHEUS_HTTP_PORT = 9090;
/** TSDB directory (`--storage.tsdb.path`); the image's VOLUME and the PVC mount. */
export const PROMETHEUS_DATA_DIR = '/prometheus';
/** Directory the `<name>-config` ConfigMap is mounted at (not /etc/prometheus itself, so rules can mount beside it). */
export const PROMETHEUS_CONFIG_DIR = '/etc/prometheus/config';
/** File name of the config inside {@link PROMETHEUS_CONFIG_DIR}. */
export const PROMETHEUS_CONFIG_FILE_NAME = 'prometheus.yml';
/** Full path passed as `--config.file`. */
export const PROMETHEUS_CONFIG_PATH = `${PROMETHEUS_CONFIG_DIR}/${PROMETHEUS_CONFIG_FILE_NAME}`;
/** Directory where the rule ConfigMaps are projected, one `<set>.yaml` file per rule set. */
export const PROMETHEUS_RULES_DIR = '/etc/prometheus/rules';
/** The `rule_files` glob. `*.yaml` never matches the projected volume's `..data` bookkeeping entries. */
export const PROMETHEUS_RULE_FILES_GLOB = `${PROMETHEUS_RULES_DIR}/*.yaml`;
/** Key of the rule file inside each rule ConfigMap. */
export const PROMETHEUS_RULES_KEY = 'rules.yaml';
/** Remote-write receiver path (needs `--web.enable-remote-write-receiver`; docs/querying/api.md). */
export const PROMETHEUS_REMOTE_WRITE_PATH = '/api/v1/write';
/**
 * OTLP receiver base path (needs `--web.enable-otlp-receiver`). The receiver
 * itself is `/api/v1/otlp/v1/metrics` (web/api/v1/api.go); OTLP/HTTP
 * exporters append `/v1/metrics` to this base.
 */
export const PROMETHEUS_OTLP_PATH = '/api/v1/otlp';
/** Job name of the built-in self-scrape job; reserved. */
export const PROMETHEUS_SELF_JOB = 'prometheus';


/** `otlp.translation_strategy` values (configuration.md `otlp`). */
export const OTLP_TRANSLATION_STRATEGIES = [
  'UnderscoreEscapingWithSuffixes',
  'NoUTF8EscapingWithSuffixes',
  'UnderscoreEscapingWithoutSuffixes',
  'NoTranslation',
] as const;
export type OtlpTranslationStrategy = (typeof OTLP_TRANSLATION_STRATEGIES)[number];

/**
 * Resource attributes promoted to labels of OTLP-ingested series: the list
 * upstream recommends (prometheus v3.16.0 documentation/examples/prometheus-otlp.yml).
 */
export const DEFAULT_PROMOTED_RESOURCE_ATTRIBUTES: readonly string[] = [
  'service.instance.id',
  'service.name',
  'service.namespace',
  'cloud.availability_zone',
  'cloud.region',
  'container.name',
  'deployment.environment.name',
  'k8s.cluster.name',
  'k8s.container.name',
  'k8s.cronjob.name',
  'k8s.daemonset.name',
  'k8s.deployment.name',
  'k8s.job.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.replicaset.name',
  'k8s.statefulset.name',
];

// Rule files (<rule_group>, <rule>)
// ---------------------------------------------------------------------------

/** A recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** An alerting rule. */
export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export type PrometheusRule = RecordingRule | AlertingRule;

/** `<rule_group>`. */
export interface RuleGroup {
  /** Unique within one rule set. */
  readonly name: string;
  /** @default the global evaluation_interval */
  readonly interval?: string;
  readonly limit?: number;
  readonly query_offset?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly rules: readonly PrometheusRule[];
}

/** The YAML content of one rule file. */
export function ruleFileYaml(groups: readonly RuleGroup[]): string {
  return stringifyYaml({ groups });
}

// ---------------------------------------------------------------------------
// prometheus.yml
// ---------------------------------------------------------------------------

/** Inputs of {@link prometheusConfig}. */
export interface PrometheusConfigOptions {
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** `storage.tsdb.retention.time`. */
  readonly retentionTime: string;
  /** `storage.tsdb.retention.size` (powers of 2: 1GB = 1GiB). Omitted = no size limit. */
  readonly retentionSize?: string;
  readonly outOfOrderTimeWindow: string;
  readonly maxExemplars: number;
  readonly otlp: {
    readonly promoteResourceAttributes: readonly string[];
    readonly translationStrategy: OtlpTranslationStrategy;
    readonly keepIdentifyingResourceAttributes: boolean;
  };
  /** Address the self-scrape job dials (`localhost:<port>`). */
  readonly selfTarget: string;
  readonly scrapeConfigs: readonly ScrapeConfig[];
}

/** The subset of `prometheus.yml` this package renders. */
export interface PrometheusConfig {
  readonly global: {
    readonly scrape_interval: string;
    readonly evaluation_interval: string;
    readonly scrape_protocols: readonly ScrapeProtocol[];
    readonly scrape_native_histograms: boolean;
    readonly always_scrape_classic_histograms: boolean;
    readonly external_labels?: Readonly<Record<string, string>>;
  };
  readonly rule_files: readonly string[];
  readonly otlp: {
    readonly promote_resource_attributes: readonly string[];
    readonly translation_strategy: OtlpTranslationStrategy;
    readonly keep_identifying_resource_attributes: boolean;
  };
  readonly storage: {
    readonly tsdb: {
      readonly out_of_order_time_window: string;
      readonly retention: { readonly time: string; readonly size?: string };
    };
    readonly exemplars: { readonly max_exemplars: number };
  };
  readonly scrape_configs: readonly ScrapeConfig[];
}

/**
 * Builds `prometheus.yml`.
 *
 * - Native histograms are scraped (`scrape_native_histograms`, stable since
 *   3.8; the feature flag is a no-op since 3.9), PrometheusProto first, while
 *   classic buckets are kept too (`always_scrape_classic_histograms`) so
 *   `_bucket`-based dashboards keep working.
 * - Retention lives in the config file (`storage.tsdb.retention`), the only
 *   non-deprecated place since 3.8.
 * - An out-of-order window, because OTLP and remote-write pushes arrive out of order.
 * - A self-scrape job first, then the added scrape configs in order.
 */
export function prometheusConfig(o: PrometheusConfigOptions): PrometheusConfig {
  const externalLabels = o.externalLabels && Object.keys(o.externalLabels).length > 0 ? { ...o.externalLabels } : undefined;
  return {
    global: {
      scrape_interval: o.scrapeInterval,
      evaluation_interval: o.evaluationInterval,
      scrape_protocols: [...SCRAPE_PROTOCOLS],
      scrape_native_histograms: true,
      always_scrape_classic_histograms: true,
      ...(externalLabels ? { external_labels: externalLabels } : {}),
    },
    rule_files: [PROMETHEUS_RULE_FILES_GLOB],
    otlp: {
      promote_resource_attributes: [...o.otlp.promoteResourceAttributes],
      translation_strategy: o.otlp.translationStrategy,
      keep_identifying_resource_attributes: o.otlp.keepIdentifyingResourceAttributes,
    },
    storage: {
      tsdb: {
        out_of_order_time_window: o.outOfOrderTimeWindow,
        retention: { time: o.retentionTime, ...(o.retentionSize !== undefined ? { size: o.retentionSize } : {}) },
      },
      exemplars: { max_exemplars: o.maxExemplars },
    },
    scrape_configs: [{ job_name: PROMETHEUS_SELF_JOB, static_configs: [{ targets: [o.selfTarget] }] }, ...o.scrapeConfigs],
  };
}

/** `prometheus.yml` as YAML text. */
export function prometheusConfigYaml(o: PrometheusConfigOptions): string {
  return stringifyYaml(prometheusConfig(o));
}

// ---------------------------------------------------------------------------
// RBAC for Kubernetes service discovery
// ---------------------------------------------------------------------------

/** A ClusterRole rule (read-only). */
export interface DiscoveryPolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

/**
 * The objects each role lists and watches (prometheus v3.16.0
 * discovery/kubernetes/kubernetes.go `Run`): endpoints and endpointslice also
 * watch services and pods; `attach_metadata` adds nodes, namespaces,
 * replicasets (deployment) and jobs (job/cronjob).
 */
const ROLE_RESOURCES: Record<KubernetesSdRole, readonly [string, string][]> = {
  pod: [['', 'pods']],
  service: [['', 'services']],
  endpoints: [['', 'endpoints'], ['', 'services'], ['', 'pods']],
  endpointslice: [['discovery.k8s.io', 'endpointslices'], ['', 'services'], ['', 'pods']],
  node: [['', 'nodes']],
  ingress: [['networking.k8s.io', 'ingresses']],
};

/** Whether any scrape config uses Kubernetes discovery (and so needs API access). */
export function usesKubernetesDiscovery(scrapeConfigs: readonly ScrapeConfig[]): boolean {
  return scrapeConfigs.some((s) => (s.kubernetes_sd_configs ?? []).length > 0);
}

/** The least-privilege read rules the scrape configs' Kubernetes discovery needs, grouped by API group. */
export function discoveryPolicyRules(scrapeConfigs: readonly ScrapeConfig[]): DiscoveryPolicyRule[] {
  const byGroup = new Map<string, Set<string>>();
  const add = (group: string, resource: string) => {
    if (!byGroup.has(group)) byGroup.set(group, new Set());
    byGroup.get(group)!.add(resource);
  };
  for (const sc of scrapeConfigs) {
    for (const sd of sc.kubernetes_sd_configs ?? []) {
      for (const [g, r] of ROLE_RESOURCES[sd.role] ?? []) add(g, r);
      const m = sd.attach_metadata ?? {};
      if (m.node) add('', 'nodes');
      if (m.namespace) add('', 'namespaces');
      if (m.deployment) add('apps', 'replicasets');
      if (m.job || m.cronjob) add('batch', 'jobs');
    }
  }
  return [...byGroup.keys()].sort().map((g) => ({ apiGroups: [g], resources: [...byGroup.get(g)!].sort(), verbs: ['get', 'list', 'watch'] }));
}

// ---------------------------------------------------------------------------
// Validation of rule files
// ---------------------------------------------------------------------------

const LABELS_ALLOWED = `a map of label names (${LABEL_NAME_ALLOWED}) to string values`;

/** Validation rules for the rule groups of one rule set under `field`. */
export function ruleGroupRules(field: string, groups: readonly RuleGroup[]): Rule[] {
  const rules: Rule[] = [
    { field, value: groups, required: true, ok: (v: unknown) => Array.isArray(v) && v.length > 0, allowed: 'a non-empty list of rule groups' },
  ];
  if (!Array.isArray(groups)) return rules;
  const names = groups.map((g) => g?.name);
  rules.push({
    field: `${field}[].name`,
    value: names,
    ok: (v: unknown[]) => new Set(v).size === v.length,
    allowed: 'group names unique within the rule set',
  });
  groups.forEach((g, i) => {
    const f = `${field}[${i}]`;
    rules.push(
      { field: `${f}.name`, value: g.name, required: true, ok: is.nonEmpty, allowed: 'a non-empty group name' },
      { field: `${f}.interval`, value: g.interval, ok: is.duration, allowed: is.durationAllowed },
      { field: `${f}.query_offset`, value: g.query_offset, ok: is.duration, allowed: is.durationAllowed },
      { field: `${f}.limit`, value: g.limit, ok: is.intBetween(0, Number.MAX_SAFE_INTEGER), allowed: 'a non-negative integer (0 = no limit)' },
      { field: `${f}.labels`, value: g.labels, ok: isLabels, allowed: LABELS_ALLOWED },
      { field: `${f}.rules`, value: g.rules, required: true, ok: (v: unknown) => Array.isArray(v) && v.length > 0, allowed: 'a non-empty list of rules' },
    );
    (Array.isArray(g.rules) ? g.rules : ([] as readonly PrometheusRule[])).forEach((r: PrometheusRule, j: number) => {
      const rf = `${f}.rules[${j}]`;
      const rec = r as Partial<RecordingRule>;
      const alert = r as Partial<AlertingRule>;
      rules.push(
        {
          field: rf,
          value: r,
          ok: (v: Partial<RecordingRule & AlertingRule>) => (v.record === undefined) !== (v.alert === undefined),
          allowed: 'exactly one of "record" (recording rule) or "alert" (alerting rule)',
        },
        { field: `${rf}.expr`, value: r.expr, required: true, ok: isValidPromql, allowed: promqlAllowed(r.expr) },
        { field: `${rf}.record`, value: rec.record, ok: (v: unknown) => matches(PROMETHEUS_METRIC_NAME_PATTERN, v), allowed: PROMETHEUS_METRIC_NAME_ALLOWED },
        { field: `${rf}.alert`, value: alert.alert, ok: is.nonEmpty, allowed: 'a non-empty alert name' },
        { field: `${rf}.for`, value: alert.for, ok: is.duration, allowed: is.durationAllowed },
        { field: `${rf}.keep_firing_for`, value: alert.keep_firing_for, ok: is.duration, allowed: is.durationAllowed },
        { field: `${rf}.labels`, value: r.labels, ok: isLabels, allowed: LABELS_ALLOWED },
      );
      if (rec.record !== undefined) {
        for (const k of ['for', 'keep_firing_for', 'annotations'] as const) {
          rules.push({ field: `${rf}.${k}`, value: (r as AlertingRule)[k], ok: () => false, allowed: 'nothing: only alerting rules take it' });
        }
      }
    });
  });
  return rules;
}
