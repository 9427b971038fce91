import { stringify } from 'yaml';
import { is, Rule } from '../../lib/validation';

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

/** Scrape protocols Prometheus 3.16 negotiates (case-sensitive; config/config.go). */
export const SCRAPE_PROTOCOLS = ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'] as const;
export type ScrapeProtocol = (typeof SCRAPE_PROTOCOLS)[number];

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

// ---------------------------------------------------------------------------
// Scrape configs (the subset of <scrape_config> this package types)
// ---------------------------------------------------------------------------

/** Kubernetes service-discovery roles (configuration.md `kubernetes_sd_config`). */
export const KUBERNETES_SD_ROLES = ['pod', 'service', 'endpoints', 'endpointslice', 'node', 'ingress'] as const;
export type KubernetesSdRole = (typeof KUBERNETES_SD_ROLES)[number];

/** `<kubernetes_sd_config>`; in-cluster API access through the pod's service account. */
export interface KubernetesSdConfig {
  readonly role: KubernetesSdRole;
  /** Namespaces to discover in. @default all namespaces */
  readonly namespaces?: { readonly own_namespace?: boolean; readonly names?: readonly string[] };
  /** Label/field selectors for the role's objects. */
  readonly selectors?: readonly { readonly role: KubernetesSdRole; readonly label?: string; readonly field?: string }[];
  /** Extra metadata; each needs extra read permissions (granted automatically). */
  readonly attach_metadata?: {
    readonly node?: boolean;
    readonly namespace?: boolean;
    readonly deployment?: boolean;
    readonly job?: boolean;
    readonly cronjob?: boolean;
  };
}

/** Relabel actions (configuration.md `relabel_config`). */
export const RELABEL_ACTIONS = [
  'replace',
  'lowercase',
  'uppercase',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
] as const;
export type RelabelAction = (typeof RELABEL_ACTIONS)[number];
/** Actions that need `target_label` (model/relabel/relabel.go Validate). */
const ACTIONS_NEEDING_TARGET: readonly RelabelAction[] = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'];

/** `<relabel_config>`. */
export interface RelabelConfig {
  readonly source_labels?: readonly string[];
  readonly separator?: string;
  readonly target_label?: string;
  /** RE2, anchored on both ends. @default '(.*)' */
  readonly regex?: string;
  readonly modulus?: number;
  /** @default '$1' */
  readonly replacement?: string;
  /** @default 'replace' */
  readonly action?: RelabelAction;
}

/** `<static_config>`. */
export interface StaticConfig {
  readonly targets: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
}

/** `<scrape_config>` (the commonly used part; credentials only by file, never literal). */
export interface ScrapeConfig {
  readonly job_name: string;
  readonly scrape_interval?: string;
  readonly scrape_timeout?: string;
  readonly scrape_protocols?: readonly ScrapeProtocol[];
  readonly fallback_scrape_protocol?: ScrapeProtocol;
  /** @default '/metrics' */
  readonly metrics_path?: string;
  readonly params?: Readonly<Record<string, readonly string[]>>;
  readonly honor_labels?: boolean;
  readonly honor_timestamps?: boolean;
  /** @default 'http' */
  readonly scheme?: 'http' | 'https';
  readonly authorization?: { readonly type?: string; readonly credentials_file: string };
  readonly tls_config?: {
    readonly ca_file?: string;
    readonly cert_file?: string;
    readonly key_file?: string;
    readonly server_name?: string;
    readonly insecure_skip_verify?: boolean;
  };
  readonly scrape_native_histograms?: boolean;
  readonly sample_limit?: number;
  readonly kubernetes_sd_configs?: readonly KubernetesSdConfig[];
  readonly static_configs?: readonly StaticConfig[];
  readonly relabel_configs?: readonly RelabelConfig[];
  readonly metric_relabel_configs?: readonly RelabelConfig[];
}

// ---------------------------------------------------------------------------
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
  return stringify({ groups }, { lineWidth: 0 });
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
  return stringify(prometheusConfig(o), { lineWidth: 0 });
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
// Validation
// ---------------------------------------------------------------------------

const PROM_DURATION = /^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Prometheus `<duration>` predicates: units in the fixed order y, w, d, h, m, s, ms and greater than zero. */
export const promIs = {
  duration: (v: unknown) => typeof v === 'string' && v !== '' && PROM_DURATION.test(v) && /[1-9]/.test(v),
  durationAllowed: 'a positive Prometheus duration with units in the order y, w, d, h, m, s, ms, such as "30s", "15d" or "1h30m"',
  labelName: (v: unknown) => typeof v === 'string' && LABEL_NAME.test(v) && !v.startsWith('__'),
  labelNameAllowed: 'a label name matching [a-zA-Z_][a-zA-Z0-9_]* that does not start with "__"',
  labels: (v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.entries(v).every(([k, x]) => LABEL_NAME.test(k) && !k.startsWith('__') && typeof x === 'string'),
  labelsAllowed: 'a map of label names ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__") to string values',
  stringList: (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim() !== '') && new Set(v).size === v.length,
  stringListAllowed: 'a list of distinct non-empty strings',
};

/** Prometheus sizes are powers of 2 (1KB = 1024B; configuration.md `<retention>`). */
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40, PB: 2 ** 50, EB: 2 ** 60 };

/** Bytes of a Prometheus size such as `10GB` (= 10 GiB), or NaN. */
export function promSizeBytes(size: string): number {
  const m = /^(\d+)(B|KB|MB|GB|TB|PB|EB)$/.exec(size);
  return m ? Number(m[1]) * SIZE_UNITS[m[2]] : NaN;
}

/** The largest whole Prometheus size (MB or GB) not above `bytes`. */
export function promSizeFloor(bytes: number): string {
  const mb = Math.floor(bytes / 2 ** 20);
  return mb % 1024 === 0 && mb > 0 ? `${mb / 1024}GB` : `${mb}MB`;
}

function relabelRules(field: string, list: readonly RelabelConfig[] | undefined): Rule[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return [{ field, value: list, ok: () => false, allowed: 'a list of relabel configs' }];
  return list.flatMap((r, i) => {
    const f = `${field}[${i}]`;
    const action = r.action ?? 'replace';
    return [
      { field: `${f}.action`, value: r.action, ok: is.oneOf(RELABEL_ACTIONS), allowed: is.oneOfAllowed(RELABEL_ACTIONS) },
      {
        field: `${f}.source_labels`,
        value: r.source_labels,
        ok: (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string' && LABEL_NAME.test(x)),
        allowed: 'a list of label names',
      },
      {
        field: `${f}.target_label`,
        value: r.target_label,
        required: ACTIONS_NEEDING_TARGET.includes(action),
        ok: is.nonEmpty,
        allowed: `a label name (required for the ${ACTIONS_NEEDING_TARGET.join(', ')} actions)`,
      },
      {
        field: `${f}.modulus`,
        value: r.modulus,
        required: action === 'hashmod',
        ok: is.intBetween(1, Number.MAX_SAFE_INTEGER),
        allowed: 'a positive integer (required for the hashmod action)',
      },
    ] as Rule[];
  });
}

/** Validation rules for one scrape config under `field`. */
export function scrapeConfigRules(field: string, sc: ScrapeConfig): Rule[] {
  const rules: Rule[] = [
    { field: `${field}.job_name`, value: sc.job_name, required: true, ok: is.nonEmpty, allowed: 'a non-empty job name' },
    { field: `${field}.scrape_interval`, value: sc.scrape_interval, ok: promIs.duration, allowed: promIs.durationAllowed },
    { field: `${field}.scrape_timeout`, value: sc.scrape_timeout, ok: promIs.duration, allowed: promIs.durationAllowed },
    {
      field: `${field}.scrape_protocols`,
      value: sc.scrape_protocols,
      ok: (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => (SCRAPE_PROTOCOLS as readonly unknown[]).includes(x)) && new Set(v).size === v.length,
      allowed: `a non-empty list of distinct protocols from ${is.oneOfAllowed(SCRAPE_PROTOCOLS).replace(/^one of /, '')}`,
    },
    { field: `${field}.fallback_scrape_protocol`, value: sc.fallback_scrape_protocol, ok: is.oneOf(SCRAPE_PROTOCOLS), allowed: is.oneOfAllowed(SCRAPE_PROTOCOLS) },
    { field: `${field}.metrics_path`, value: sc.metrics_path, ok: (v: unknown) => typeof v === 'string' && v.startsWith('/'), allowed: 'a path starting with "/"' },
    { field: `${field}.scheme`, value: sc.scheme, ok: is.oneOf(['http', 'https']), allowed: is.oneOfAllowed(['http', 'https']) },
    { field: `${field}.sample_limit`, value: sc.sample_limit, ok: is.intBetween(0, Number.MAX_SAFE_INTEGER), allowed: 'a non-negative integer (0 = no limit)' },
    {
      field: `${field}.authorization.credentials_file`,
      value: sc.authorization?.credentials_file,
      required: sc.authorization !== undefined,
      ok: (v: unknown) => typeof v === 'string' && v.startsWith('/'),
      allowed: 'an absolute path to a mounted credentials file (credentials are never written literally)',
    },
  ];
  if (sc.scrape_interval !== undefined && sc.scrape_timeout !== undefined && promIs.duration(sc.scrape_interval) && promIs.duration(sc.scrape_timeout)) {
    rules.push({
      field: `${field}.scrape_timeout`,
      value: sc.scrape_timeout,
      ok: (v: string) => promDurationMs(v) <= promDurationMs(sc.scrape_interval!),
      allowed: `a timeout not greater than scrape_interval (${sc.scrape_interval})`,
    });
  }
  (sc.kubernetes_sd_configs ?? []).forEach((sd, i) => {
    const f = `${field}.kubernetes_sd_configs[${i}]`;
    rules.push(
      { field: `${f}.role`, value: sd.role, required: true, ok: is.oneOf(KUBERNETES_SD_ROLES), allowed: is.oneOfAllowed(KUBERNETES_SD_ROLES) },
      { field: `${f}.namespaces.names`, value: sd.namespaces?.names, ok: (v: unknown) => Array.isArray(v) && v.every(is.dnsLabel), allowed: 'a list of namespace names' },
    );
    (sd.selectors ?? []).forEach((s, j) =>
      rules.push({ field: `${f}.selectors[${j}].role`, value: s.role, required: true, ok: is.oneOf(KUBERNETES_SD_ROLES), allowed: is.oneOfAllowed(KUBERNETES_SD_ROLES) }),
    );
  });
  (sc.static_configs ?? []).forEach((s, i) => {
    const f = `${field}.static_configs[${i}]`;
    rules.push(
      {
        field: `${f}.targets`,
        value: s.targets,
        required: true,
        ok: (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && /^[^\s/]+$/.test(x)),
        allowed: 'a non-empty list of "host" or "host:port" targets without scheme or path',
      },
      { field: `${f}.labels`, value: s.labels, ok: promIs.labels, allowed: promIs.labelsAllowed },
    );
  });
  rules.push(...relabelRules(`${field}.relabel_configs`, sc.relabel_configs), ...relabelRules(`${field}.metric_relabel_configs`, sc.metric_relabel_configs));
  return rules;
}

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
      { field: `${f}.interval`, value: g.interval, ok: promIs.duration, allowed: promIs.durationAllowed },
      { field: `${f}.query_offset`, value: g.query_offset, ok: promIs.duration, allowed: promIs.durationAllowed },
      { field: `${f}.limit`, value: g.limit, ok: is.intBetween(0, Number.MAX_SAFE_INTEGER), allowed: 'a non-negative integer (0 = no limit)' },
      { field: `${f}.labels`, value: g.labels, ok: promIs.labels, allowed: promIs.labelsAllowed },
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
        { field: `${rf}.expr`, value: r.expr, required: true, ok: is.nonEmpty, allowed: 'a non-empty PromQL expression' },
        { field: `${rf}.record`, value: rec.record, ok: (v: unknown) => typeof v === 'string' && METRIC_NAME.test(v), allowed: 'a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*' },
        { field: `${rf}.alert`, value: alert.alert, ok: is.nonEmpty, allowed: 'a non-empty alert name' },
        { field: `${rf}.for`, value: alert.for, ok: promIs.duration, allowed: promIs.durationAllowed },
        { field: `${rf}.keep_firing_for`, value: alert.keep_firing_for, ok: promIs.duration, allowed: promIs.durationAllowed },
        { field: `${rf}.labels`, value: r.labels, ok: promIs.labels, allowed: promIs.labelsAllowed },
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

/** Milliseconds of a valid Prometheus duration. */
export function promDurationMs(d: string): number {
  const unit: Record<string, number> = { y: 31536000000, w: 604800000, d: 86400000, h: 3600000, m: 60000, s: 1000, ms: 1 };
  let total = 0;
  for (const m of d.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}
