/**
 * The one Prometheus scrape-config model (`<scrape_config>` and its parts),
 * shared by the Prometheus component (`prometheus.yml`) and the collectors'
 * prometheus receiver (`receivers.prometheus.config`), with its validation
 * table. Field names are Prometheus' own (prometheus v3.16.0
 * docs/configuration/configuration.md).
 */
import { Endpoint } from './endpoint';
import { allowedOf, StringMap } from './schema';
import { is, Rule } from './validation';
import { Duration, LABEL_NAME_ALLOWED, LABEL_NAME_PATTERN, matches } from './values';

/** A map of Prometheus label names to values (external labels, static target labels). */
export function labelsSchema(doc?: string) {
  return StringMap(LABEL_NAME_PATTERN, `a map of label names (${LABEL_NAME_ALLOWED}) to string values`, { maxProperties: 64, doc, keyAllowed: LABEL_NAME_ALLOWED });
}
export const LabelsSchema = labelsSchema();

/** Whether `v` is a label map {@link LabelsSchema} accepts. */
export function isLabels(v: unknown): boolean {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.entries(v).every(([k, x]) => matches(LABEL_NAME_PATTERN, k) && typeof x === 'string')
  );
}

/** Scrape protocols Prometheus 3.16 negotiates (case-sensitive; config/config.go). */
export const SCRAPE_PROTOCOLS = ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'] as const;
export type ScrapeProtocol = (typeof SCRAPE_PROTOCOLS)[number];
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

/**
 * The identity of a scrape job: the `job` label of every series it scrapes
 * (and, through remote write or OTLP, the `service.name` it becomes). Whoever
 * creates a job returns its ref, and the alert rules and dashboards that
 * select the job take the ref, so the name is written in one place.
 */
export interface ScrapeJobRef {
  readonly jobName: string;
}

/** The ref of a scrape config. */
export function scrapeJobRef(job: Pick<ScrapeConfig, 'job_name'>): ScrapeJobRef {
  return Object.freeze({ jobName: job.job_name });
}

/**
 * A component Prometheus scrapes through its typed endpoint
 * (`Prometheus.scrape(target)`): the job is named after the component, and
 * the component learns the job's ref so that its alert rules select it.
 */
export interface ScrapeTarget {
  /** The component's name, which becomes the job name. */
  readonly name: string;
  /** The endpoint that serves `/metrics`. */
  readonly metricsEndpoint: Endpoint;
  /** Called by the scraper with the ref of the job it created. */
  scrapedAs(job: ScrapeJobRef): void;
}

/** A static scrape job for one Service endpoint, addressed through its typed Endpoint. */
export function staticScrapeJob(jobName: string, endpoint: Endpoint): ScrapeConfig {
  return {
    job_name: jobName,
    scheme: endpoint.scheme,
    metrics_path: endpoint.path || '/metrics',
    static_configs: [{ targets: [endpoint.hostPort], labels: { namespace: endpoint.namespace, service: endpoint.service } }],
  };
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
// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------


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
        ok: (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string' && /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(x)),
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
    { field: `${field}.scrape_interval`, value: sc.scrape_interval, ok: is.duration, allowed: is.durationAllowed },
    { field: `${field}.scrape_timeout`, value: sc.scrape_timeout, ok: is.duration, allowed: is.durationAllowed },
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
  const interval = Duration.parse(sc.scrape_interval);
  const timeout = Duration.parse(sc.scrape_timeout);
  if (interval && timeout) {
    rules.push({
      field: `${field}.scrape_timeout`,
      value: sc.scrape_timeout,
      ok: () => timeout.ms <= interval.ms,
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
      { field: `${f}.labels`, value: s.labels, ok: isLabels, allowed: allowedOf(LabelsSchema) },
    );
  });
  rules.push(...relabelRules(`${field}.relabel_configs`, sc.relabel_configs), ...relabelRules(`${field}.metric_relabel_configs`, sc.metric_relabel_configs));
  return rules;
}
