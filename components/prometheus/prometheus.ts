import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { resolveNamespace, stackNamespace } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { IMAGES, imageVersion } from '../../lib/images';
import { childName, clusterScoped, ComponentIdentity, standardLabels } from '../../lib/naming';
import { resolveResources } from '../../lib/resources';
import { omit, Static, validateProps } from '../../lib/schema';
import { ScrapeConfig, scrapeConfigRules, ScrapeJobRef, scrapeJobRef, ScrapeTarget, staticScrapeJob } from '../../lib/scrape-config';
import { is, Rule, validate } from '../../lib/validation';
import { Duration } from '../../lib/values';
import { httpProbe, Workload } from '../../lib/workload';
import {
  DEFAULT_PROMOTED_RESOURCE_ATTRIBUTES,
  discoveryPolicyRules,
  PROMETHEUS_CONFIG_DIR,
  PROMETHEUS_CONFIG_FILE_NAME,
  PROMETHEUS_CONFIG_PATH,
  PROMETHEUS_DATA_DIR,
  PROMETHEUS_HTTP_PORT,
  PROMETHEUS_OTLP_PATH,
  PROMETHEUS_REMOTE_WRITE_PATH,
  PROMETHEUS_RULES_DIR,
  PROMETHEUS_RULES_KEY,
  PROMETHEUS_SELF_JOB,
  prometheusConfigYaml,
  RuleGroup,
  ruleFileYaml,
  ruleGroupRules,
  usesKubernetesDiscovery,
} from './config';
import {
  PROMETHEUS_DEFAULT_RESOURCES,
  PROMETHEUS_DEFAULT_RETENTION_TIME,
  PROMETHEUS_DEFAULT_VOLUME_SIZE,
  PROMETHEUS_PROPS,
  prometheusRetentionSize,
  prometheusRules,
} from './options';
import { defaultDashboard } from '../../dashboards/prebuilt';
import { prometheusAlerts } from '../../dashboards/alerts/prometheus';
import { Observable, ObservabilityContent } from '../../lib/observability';

/** The `nobody` user of the image (Dockerfile `USER nobody`). */
const RUN_AS = { user: 65534, group: 65534 };

/**
 * The props of {@link Prometheus}: name, namespace, the options of
 * `PROMETHEUS_OPTIONS` (the `prometheus` section of the config file,
 * documented there) and initial scrape configs.
 */
export type PrometheusProps = Static<typeof PROMETHEUS_PROPS> & {
  /** Scrape configs besides the built-in self-scrape; more can be added with {@link Prometheus.addScrapeConfig}. @default [] */
  readonly scrapeConfigs?: ScrapeConfig[];
};

/** The endpoints other components dial. */
export interface PrometheusEndpoints {
  /** UI and query API (`http://<svc>:9090`), the Grafana data source URL. */
  readonly http: Endpoint;
  /** Remote-write receiver (`/api/v1/write`). */
  readonly remoteWrite: Endpoint;
  /** OTLP/HTTP metrics base (`/api/v1/otlp`); exporters append `/v1/metrics`. */
  readonly otlp: Endpoint;
}

/**
 * Prometheus 3.16 as a single-replica StatefulSet with a TSDB volume, the
 * remote-write and OTLP receivers and exemplar storage enabled, native
 * histograms scraped, a self-scrape job and extension points for scrape
 * configs and rule files. RBAC for Kubernetes discovery is rendered only when
 * a scrape config uses `kubernetes_sd_configs`.
 */
export class Prometheus extends Construct implements Observable {
  public readonly name: string;
  public readonly identity: ComponentIdentity;
  public readonly workload: Workload;
  public readonly endpoints: PrometheusEndpoints;
  /** `global.scrape_interval` (e.g. for Grafana's `timeInterval`). */
  public readonly scrapeInterval: string;
  /** The resolved TSDB retention. */
  public readonly retention: { readonly time: string; readonly size: string };
  /** Name of the ClusterRole (and binding) rendered once Kubernetes discovery is used. */
  public readonly clusterRoleName: string;

  private readonly scrapeConfigs: ScrapeConfig[] = [];
  private readonly ruleSets: { readonly name: string; readonly configMapName: string; readonly content: string }[] = [];
  private readonly labels: Record<string, string>;
  private rbac = false;

  constructor(scope: Construct, id: string, props: PrometheusProps = {}) {
    const name = props.name ?? 'prometheus';
    const resources = resolveResources(PROMETHEUS_DEFAULT_RESOURCES, props.resources);
    const initialScrapeConfigs = props.scrapeConfigs ?? [];
    // Validate everything before this construct (or any child) joins the tree.
    validateProps('Prometheus props', [[PROMETHEUS_PROPS, omit(props, ['scrapeConfigs']), 'prometheus']], [
      ...prometheusRules(props, 'prometheus', resources),
      ...scrapeConfigListRules('prometheus.scrapeConfigs', [], initialScrapeConfigs),
    ]);
    stackNamespace(scope, props.namespace, 'prometheus.namespace', 'Prometheus props');
    super(scope, id);
    const namespace = resolveNamespace(this, props.namespace);
    const volumeSize = props.storage?.volume?.size ?? PROMETHEUS_DEFAULT_VOLUME_SIZE;
    const retentionTime = Duration.parse(props.retention?.time ?? PROMETHEUS_DEFAULT_RETENTION_TIME)!.toPrometheus();
    const retentionSize = prometheusRetentionSize(props);
    const scrapeInterval = Duration.parse(props.scrapeInterval ?? '30s')!.toPrometheus();
    const evaluationInterval = props.evaluationInterval !== undefined ? Duration.parse(props.evaluationInterval)!.toPrometheus() : scrapeInterval;
    const outOfOrderTimeWindow = Duration.parse(props.outOfOrderTimeWindow ?? '30m')!.toPrometheus();
    const maxExemplars = props.maxExemplars ?? 100000;
    const promote = props.otlp?.promoteResourceAttributes ?? [...DEFAULT_PROMOTED_RESOURCE_ATTRIBUTES];
    const translationStrategy = props.otlp?.translationStrategy ?? 'UnderscoreEscapingWithSuffixes';
    const keepIdentifying = props.otlp?.keepIdentifyingResourceAttributes ?? true;
    const logLevel = props.logLevel ?? 'info';

    this.name = name;
    this.scrapeInterval = scrapeInterval;
    this.retention = { time: retentionTime, size: retentionSize };
    this.identity = { name, app: 'prometheus', component: 'metrics-storage', version: imageVersion(IMAGES.prometheus), namespace };
    this.labels = standardLabels(this.identity);
    this.clusterRoleName = childName(namespace, name);

    const renderConfig = () =>
      prometheusConfigYaml({
        scrapeInterval,
        evaluationInterval,
        externalLabels: props.externalLabels,
        retentionTime,
        retentionSize,
        outOfOrderTimeWindow,
        maxExemplars,
        otlp: { promoteResourceAttributes: promote, translationStrategy, keepIdentifyingResourceAttributes: keepIdentifying },
        selfTarget: `localhost:${PROMETHEUS_HTTP_PORT}`,
        scrapeConfigs: this.scrapeConfigs,
      });

    this.workload = new Workload(this, 'workload', {
      identity: this.identity,
      kind: 'StatefulSet',
      image: IMAGES.prometheus,
      runAs: RUN_AS,
      args: [
        `--config.file=${PROMETHEUS_CONFIG_PATH}`,
        `--storage.tsdb.path=${PROMETHEUS_DATA_DIR}`,
        `--web.listen-address=:${PROMETHEUS_HTTP_PORT}`,
        '--web.enable-remote-write-receiver',
        '--web.enable-otlp-receiver',
        // otlp-deltatocumulative: OTLP metrics with delta temporality are accumulated
        // instead of dropped (prometheus v3.16.0 docs/feature_flags.md "OTLP Delta Conversion").
        '--enable-feature=exemplar-storage,otlp-deltatocumulative',
        `--log.level=${logLevel}`,
      ],
      ports: [{ name: 'http', port: PROMETHEUS_HTTP_PORT, protocol: 'http' }],
      configFiles: [{ fileName: PROMETHEUS_CONFIG_FILE_NAME, content: renderConfig }],
      configMountPath: PROMETHEUS_CONFIG_DIR,
      checksumInputs: [() => this.ruleSets.map((r) => `${r.configMapName}\n${r.content}`)],
      extraVolumes: [
        {
          // One projected volume for every rule ConfigMap, each as `<set>.yaml`; the
          // source list is rendered at synthesis so addRules() can still add to it.
          volume: {
            name: 'rules',
            projected: {
              sources: Lazy.any({
                produce: () =>
                  this.ruleSets.length === 0
                    ? undefined
                    : this.ruleSets.map((r) => ({ configMap: { name: r.configMapName, items: [{ key: PROMETHEUS_RULES_KEY, path: `${r.name}.yaml` }] } })),
              }),
            },
          },
          mount: { name: 'rules', mountPath: PROMETHEUS_RULES_DIR, readOnly: true },
        },
      ],
      persistence: { name: 'data', mountPath: PROMETHEUS_DATA_DIR, size: volumeSize, storageClassName: props.storage?.volume?.storageClassName },
      resources,
      readinessProbe: httpProbe('/-/ready', 'http'),
      livenessProbe: httpProbe('/-/healthy', 'http', { failureThreshold: 6 }),
      // Only pods whose scrape configs discover through the Kubernetes API get a token.
      automountServiceAccountToken: Lazy.any({ produce: () => this.usesKubernetesDiscovery }),
      // Prometheus flushes the head block on shutdown; give it time.
      terminationGracePeriodSeconds: 300,
    });

    this.endpoints = {
      http: this.workload.endpoint('http'),
      remoteWrite: this.workload.endpoint('http', { path: PROMETHEUS_REMOTE_WRITE_PATH }),
      otlp: this.workload.endpoint('http', { path: PROMETHEUS_OTLP_PATH }),
    };

    for (const sc of initialScrapeConfigs) this.addScrapeConfig(sc);
  }

  /** The built-in self-scrape job (Prometheus' own metrics). */
  public get selfJob(): ScrapeJobRef {
    return scrapeJobRef({ job_name: PROMETHEUS_SELF_JOB });
  }

  /**
   * Scrapes a component through its typed metrics endpoint: adds a static job
   * named after it and hands it the job's ref (its alert rules select that
   * job). Returns the ref.
   */
  public scrape(target: ScrapeTarget): ScrapeJobRef {
    const job = staticScrapeJob(target.name, target.metricsEndpoint);
    this.addScrapeConfig(job, { reaches: [target.metricsEndpoint] });
    const ref = scrapeJobRef(job);
    target.scrapedAs(ref);
    return ref;
  }

  /** The scrape configs added so far (without the built-in self-scrape job). */
  public get scrapeJobs(): readonly ScrapeConfig[] {
    return [...this.scrapeConfigs];
  }

  /** Whether any scrape config uses Kubernetes discovery (so RBAC and a token are rendered). */
  public get usesKubernetesDiscovery(): boolean {
    return usesKubernetesDiscovery(this.scrapeConfigs);
  }

  /** Names of the rule ConfigMaps added so far. */
  public get ruleConfigMapNames(): readonly string[] {
    return this.ruleSets.map((r) => r.configMapName);
  }

  /**
   * Adds a scrape job to prometheus.yml. Job names must be unique (and not
   * `prometheus`, the self-scrape job). A job with `kubernetes_sd_configs`
   * turns on the read-only ClusterRole its discovery roles need, the
   * service account token and the network path to the API server.
   * `reaches` names the endpoints the job scrapes (endpoints of workloads of
   * this package): the network path to each is opened. Other targets need
   * an extra allow.
   */
  public addScrapeConfig(job: ScrapeConfig, opts: { readonly reaches?: readonly Endpoint[] } = {}): this {
    const field = `prometheus.addScrapeConfig(${JSON.stringify(job?.job_name)})`;
    validate('Prometheus.addScrapeConfig', [
      ...scrapeConfigListRules(field, this.scrapeConfigs, [job]),
      ...(opts.reaches ?? []).map((e, i) => ({
        field: `${field}.reaches[${i}]`,
        value: e,
        ok: (v: Endpoint) => v instanceof Endpoint && v.owner !== undefined,
        allowed: 'an in-cluster endpoint served by a workload of this package',
      })),
    ]);
    this.scrapeConfigs.push(job);
    if ((job.kubernetes_sd_configs ?? []).length > 0) this.ensureDiscoveryRbac();
    for (const e of opts.reaches ?? []) this.workload.connections.allowToEndpoint(e, `${this.name} scrapes job ${job.job_name} at ${e.service}`);
    return this;
  }

  /**
   * Adds a rule file: renders ConfigMap `<name>-rules-<set>` with the groups
   * and projects it into the rules directory, where `rule_files` picks it up.
   * The pod checksum covers it, so changes roll the pod.
   */
  public addRules(set: string, groups: RuleGroup[]): k8s.KubeConfigMap {
    const configMapName = childName(this.name, 'rules', String(set));
    validate('Prometheus.addRules', [
      {
        field: 'prometheus.addRules.name',
        value: set,
        required: true,
        ok: (v: string) => is.dnsLabel(v) && is.dnsLabel(configMapName),
        allowed: `a DNS-1035 label that keeps "${this.name}-rules-<name>" within 63 characters`,
      },
      {
        field: 'prometheus.addRules.name',
        value: set,
        ok: (v: string) => !this.ruleSets.some((r) => r.name === v),
        allowed: `a name not used yet (have ${this.ruleSets.map((r) => JSON.stringify(r.name)).join(', ') || 'none'})`,
      },
      ...ruleGroupRules(`prometheus.addRules(${JSON.stringify(set)}).groups`, groups),
    ]);
    const content = ruleFileYaml(groups);
    this.ruleSets.push({ name: set, configMapName, content });
    return new k8s.KubeConfigMap(this, `rules-${set}`, {
      metadata: { name: configMapName, namespace: this.identity.namespace, labels: this.labels },
      data: { [PROMETHEUS_RULES_KEY]: content },
    });
  }

  private ensureDiscoveryRbac(): void {
    if (this.rbac) return;
    this.rbac = true;
    this.workload.connections.allowTo({ kind: 'external', role: 'apiServer' }, [], `${this.name} discovers scrape targets through the Kubernetes API`);
    const metadata = { name: this.clusterRoleName, labels: this.labels };
    const role = new k8s.KubeClusterRole(this, 'discovery-role', {
      metadata,
      // Rendered at synthesis from every scrape config added by then.
      rules: Lazy.any({ produce: () => discoveryPolicyRules(this.scrapeConfigs) }),
    });
    const binding = new k8s.KubeClusterRoleBinding(this, 'discovery-binding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: this.clusterRoleName },
      subjects: [{ kind: 'ServiceAccount', name: this.workload.serviceAccountName, namespace: this.identity.namespace }],
    });
    for (const o of [role, binding]) clusterScoped(o);
  }

  /** Prometheus' own alert rules (its self-scrape job) and the backends dashboard. */
  public observability(): ObservabilityContent {
    return { dashboards: [defaultDashboard('backends')], ruleSets: { prometheus: prometheusAlerts({ job: this.selfJob }) } };
  }

}

/** Rules for a list of scrape configs added on top of `existing`: each valid, job names unique and not reserved. */
function scrapeConfigListRules(field: string, existing: readonly ScrapeConfig[], added: readonly ScrapeConfig[]): Rule[] {
  if (!Array.isArray(added)) return [{ field, value: added, ok: () => false, allowed: 'a list of scrape configs' }];
  const taken = new Set([PROMETHEUS_SELF_JOB, ...existing.map((s) => s.job_name)]);
  const rules: Rule[] = [];
  added.forEach((sc, i) => {
    const f = field.includes('addScrapeConfig') ? field : `${field}[${i}]`;
    rules.push(...scrapeConfigRules(f, sc ?? ({} as ScrapeConfig)));
    const before = new Set(taken);
    rules.push({
      field: `${f}.job_name`,
      value: sc?.job_name,
      ok: (v: string) => !before.has(v),
      allowed: `a job name not used yet (have ${[...before].map((t) => JSON.stringify(t)).join(', ')})`,
    });
    if (sc?.job_name !== undefined) taken.add(sc.job_name);
  });
  return rules;
}
