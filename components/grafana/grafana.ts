import { ScrapeJobRef, ScrapeTarget } from '../../lib/scrape-config';
import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { configChecksum } from '../../lib/checksum';
import { yaml } from '../../lib/yaml';
import { resolveNamespace, stackNamespace } from '../../lib/component';
import { Endpoint } from '../../lib/endpoint';
import { IMAGES, imageVersion } from '../../lib/images';
import { childName, ComponentIdentity, standardLabels } from '../../lib/naming';
import { resolveResources } from '../../lib/resources';
import { isValidPromql, promqlAllowed, promqlTargets } from '../../lib/promql';
import { omit, Static, validateProps } from '../../lib/schema';
import { is, validate } from '../../lib/validation';
import { httpProbe, Workload } from '../../lib/workload';
import { Loki, LOKI_QUERY_TIMEOUT_SECONDS } from '../loki';
import { Prometheus } from '../prometheus';
import { Tempo } from '../tempo';
import { DATASOURCE_UIDS, grafanaDatasources } from './datasources';
import {
  GRAFANA_DEFAULT_ADMIN_PASSWORD_KEY,
  GRAFANA_DEFAULT_ADMIN_SECRET,
  GRAFANA_DEFAULT_ADMIN_USER_KEY,
  GRAFANA_DEFAULT_RESOURCES,
  GRAFANA_PROPS,
  grafanaRules,
} from './options';
import { targetRules } from '../../dashboards/alerts/common';
import { Observable, ObservabilityContent } from '../../lib/observability';

/** Grafana's HTTP port (`[server] http_port` default). */
export const GRAFANA_HTTP_PORT = 3000;
/** `GF_PATHS_PROVISIONING` of the image. */
export const GRAFANA_PROVISIONING_DIR = '/etc/grafana/provisioning';
/** Where `datasources.yaml` is mounted. */
export const GRAFANA_DATASOURCES_DIR = `${GRAFANA_PROVISIONING_DIR}/datasources`;
/** Where the dashboard provider file `dashboards.yaml` is mounted. */
export const GRAFANA_DASHBOARD_PROVIDERS_DIR = `${GRAFANA_PROVISIONING_DIR}/dashboards`;
/** The file provider's root: one sub-directory per dashboard folder. Outside the data volume on purpose. */
export const GRAFANA_DASHBOARDS_DIR = '/etc/grafana/dashboards';
/** `GF_PATHS_DATA` of the image: sqlite database, sessions, plugin installs. */
export const GRAFANA_DATA_DIR = '/var/lib/grafana';
/** `GF_PATHS_LOGS` of the image. */
export const GRAFANA_LOGS_DIR = '/var/log/grafana';
/** Grafana's data proxy timeout: Loki's `limits_config.query_timeout` (the longest query the backends run). */
export const GRAFANA_DATAPROXY_TIMEOUT_SECONDS = LOKI_QUERY_TIMEOUT_SECONDS;

/** Label put on every dashboard ConfigMap (the convention of Grafana's dashboard sidecars). */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';


/** Grafana's uid limit (`util.MaxUIDLength` = 40) and character set. */
const DASHBOARD_UID = /^[a-zA-Z0-9_-]{1,40}$/;
const DASHBOARD_UID_ALLOWED = 'a Grafana uid: 1-40 characters from a-z, A-Z, 0-9, "-" and "_"';
/** A folder is a directory name (a mount point) and the Grafana folder title. */
const FOLDER = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,61}[A-Za-z0-9._-])?$/;
const FOLDER_ALLOWED =
  'a folder title of 1-63 characters from letters, digits, " ", ".", "_" and "-", starting with a letter or digit, not ending with a space, and not "General" (the root folder cannot be provisioned into)';
const isFolder = (v: unknown) => typeof v === 'string' && FOLDER.test(v) && v.toLowerCase() !== 'general';
/** A ConfigMap holds at most 1 MiB; leave room for metadata. */
const MAX_DASHBOARD_BYTES = 1024 * 1024 - 16 * 1024;


/** The Grafana image runs as uid 472 (packaging/docker Dockerfile `GF_UID`); the Helm chart uses gid/fsGroup 472 too. */
const RUN_AS = { user: 472, group: 472 };

/**
 * The props of {@link Grafana}: name, namespace, the options of
 * `GRAFANA_OPTIONS` (the `grafana` section of the config file, documented
 * there: `adminSecret`, `replicas`, `rootUrl`, `resources`) and the backends
 * to provision as data sources. Tempo's span-metrics and service-map links
 * need its metrics-generator to write to `prometheus`.
 */
export type GrafanaProps = Static<typeof GRAFANA_PROPS> & {
  /** Prometheus to provision as data source `prometheus` (the default one). @default none */
  readonly prometheus?: Prometheus;
  /** Loki to provision as data source `loki`, with its tenant header if any. @default none */
  readonly loki?: Loki;
  /** Tempo to provision as data source `tempo`. @default none */
  readonly tempo?: Tempo;
};

/** The endpoints Grafana serves. */
export interface GrafanaEndpoints {
  /** Web UI and HTTP API (`/api/health`). */
  readonly http: Endpoint;
}

/** One provisioned dashboard. */
export interface GrafanaDashboard {
  /** Grafana folder title (also the directory under {@link GRAFANA_DASHBOARDS_DIR}). */
  readonly folder: string;
  readonly uid: string;
  /** Name of the ConfigMap holding it. */
  readonly configMapName: string;
  /** The dashboard JSON model as provisioned (its `uid` set to {@link uid}). */
  readonly json: Record<string, unknown>;
}

/**
 * Grafana 13 with everything provisioned from code: data sources for the
 * wired Prometheus, Loki and Tempo with fixed uids and all cross-links
 * (exemplars → traces, traces → logs/metrics/service map, logs → traces), and
 * dashboards from ConfigMaps ({@link addDashboard}).
 *
 * Because nothing is edited in the UI, the sqlite database lives on an
 * emptyDir: a restarted pod re-provisions the same state. Anonymous access and
 * sign-up are off, the admin login comes from a Secret, and the background
 * plugin installer is disabled so the bundled data source plugins survive the
 * read-only root filesystem (grafana/grafana#132528).
 */
export class Grafana extends Construct implements Observable, ScrapeTarget {
  /** The scrape jobs that scrape this component (see {@link scrapedAs}). */
  private readonly scrapeJobs: ScrapeJobRef[] = [];
  /** Object name, also the Service name. */
  public readonly name: string;
  public readonly identity: ComponentIdentity;
  public readonly workload: Workload;
  public readonly endpoints: GrafanaEndpoints;
  /** The fixed uids of the provisioned data sources (only wired backends). */
  public readonly datasourceUids: { readonly prometheus?: string; readonly loki?: string; readonly tempo?: string };
  private readonly dashboardMap = new Map<string, GrafanaDashboard>();

  constructor(scope: Construct, id: string, props: GrafanaProps = {}) {
    const name = props.name ?? 'grafana';
    const resources = resolveResources(GRAFANA_DEFAULT_RESOURCES, props.resources);
    // Validate everything before this construct (or any child) joins the tree.
    validateProps('Grafana props', [[GRAFANA_PROPS, omit(props, ['prometheus', 'loki', 'tempo']), 'grafana']], grafanaRules(props, 'grafana', resources));

    stackNamespace(scope, props.namespace, 'grafana.namespace', 'Grafana props');
    super(scope, id);

    const namespace = resolveNamespace(this, props.namespace);
    const admin = {
      secretName: props.adminSecret?.name ?? GRAFANA_DEFAULT_ADMIN_SECRET,
      userKey: props.adminSecret?.userKey ?? GRAFANA_DEFAULT_ADMIN_USER_KEY,
      passwordKey: props.adminSecret?.passwordKey ?? GRAFANA_DEFAULT_ADMIN_PASSWORD_KEY,
    };
    this.name = name;
    this.identity = { name, app: 'grafana', component: 'visualization', version: imageVersion(IMAGES.grafana), namespace };
    this.datasourceUids = {
      ...(props.prometheus ? { prometheus: DATASOURCE_UIDS.prometheus } : {}),
      ...(props.loki ? { loki: DATASOURCE_UIDS.loki } : {}),
      ...(props.tempo ? { tempo: DATASOURCE_UIDS.tempo } : {}),
    };

    const datasourcesYaml = yaml.stringify(grafanaDatasources({ prometheus: props.prometheus, loki: props.loki, tempo: props.tempo }));
    // The provider is rendered at synthesis: without dashboards there is none,
    // so Grafana does not poll a directory that does not exist.
    const providersYaml = () => yaml.stringify(this.dashboardMap.size > 0 ? dashboardProviders() : { apiVersion: 1, providers: [] });

    const providersConfigMap = childName(name, 'provisioning');
    new k8s.KubeConfigMap(this, 'dashboard-providers', {
      metadata: { name: providersConfigMap, namespace, labels: standardLabels(this.identity) },
      data: { 'dashboards.yaml': Lazy.any({ produce: providersYaml }) },
    });

    const env: k8s.EnvVar[] = [
      { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: admin.secretName, key: admin.userKey } } },
      { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: admin.secretName, key: admin.passwordKey } } },
      { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'false' },
      { name: 'GF_USERS_ALLOW_SIGN_UP', value: 'false' },
      { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
      { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
      { name: 'GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES', value: 'false' },
      // The background installer would replace bundled plugins in the read-only
      // image directory, fail and leave the data source unregistered (grafana#132528).
      { name: 'GF_PLUGINS_PREINSTALL_AUTO_UPDATE', value: 'false' },
      { name: 'GF_PLUGINS_PREINSTALL_DISABLED', value: 'true' },
      // No download of the plugin-signing public keys from grafana.com at start (and every 10
      // days): the bundled keys verify the bundled plugins, and the pod has no internet egress
      // ([plugins] public_key_retrieval_disabled; grafana pkg/setting/setting_plugins.go).
      { name: 'GF_PLUGINS_PUBLIC_KEY_RETRIEVAL_DISABLED', value: 'true' },
      // Queries to the backends may run as long as Loki's query timeout (300 s); Grafana's data
      // proxy would cut them at its 30 s default ([dataproxy] timeout, in seconds).
      { name: 'GF_DATAPROXY_TIMEOUT', value: String(GRAFANA_DATAPROXY_TIMEOUT_SECONDS) },
      { name: 'GF_SERVER_HTTP_PORT', value: String(GRAFANA_HTTP_PORT) },
      { name: 'GF_PATHS_DATA', value: GRAFANA_DATA_DIR },
      { name: 'GF_PATHS_LOGS', value: GRAFANA_LOGS_DIR },
      { name: 'GF_PATHS_PROVISIONING', value: GRAFANA_PROVISIONING_DIR },
      ...(props.rootUrl !== undefined ? [{ name: 'GF_SERVER_ROOT_URL', value: props.rootUrl }] : []),
    ];

    this.workload = new Workload(this, 'workload', {
      identity: this.identity,
      kind: 'Deployment',
      image: IMAGES.grafana,
      runAs: RUN_AS,
      env,
      ports: [{ name: 'http', port: GRAFANA_HTTP_PORT, protocol: 'http' }],
      configFiles: [{ fileName: 'datasources.yaml', content: datasourcesYaml }],
      configMountPath: GRAFANA_DATASOURCES_DIR,
      scratch: [
        { name: 'data', mountPath: GRAFANA_DATA_DIR, sizeLimit: '1Gi' },
        { name: 'tmp', mountPath: '/tmp', sizeLimit: '512Mi' },
        { name: 'logs', mountPath: GRAFANA_LOGS_DIR, sizeLimit: '256Mi' },
      ],
      extraVolumes: [
        {
          volume: { name: 'dashboard-providers', configMap: { name: providersConfigMap } },
          mount: { name: 'dashboard-providers', mountPath: GRAFANA_DASHBOARD_PROVIDERS_DIR, readOnly: true },
        },
      ],
      checksumInputs: [() => `dashboards.yaml\n${providersYaml()}`, () => this.dashboardChecksumInput()],
      resources,
      replicas: props.replicas ?? 1,
      // First start migrates the sqlite database; give it up to 5 minutes.
      startupProbe: httpProbe('/api/health', 'http', { periodSeconds: 5, failureThreshold: 60 }),
      readinessProbe: httpProbe('/api/health', 'http'),
      livenessProbe: httpProbe('/api/health', 'http', { failureThreshold: 6 }),
    });

    this.endpoints = { http: this.workload.endpoint('http') };
    for (const b of [props.prometheus, props.loki, props.tempo]) {
      if (b) this.workload.connections.allowToEndpoint(b.endpoints.http, `${name} queries its ${b.name} data source`);
    }
  }

  /**
   * Provisions a dashboard: renders ConfigMap `<name>-dashboard-<uid>` (label
   * `grafana_dashboard: "1"`) and projects it as `<folder>/<uid>.json` under
   * the file provider's root, so Grafana files it in folder `folder`. Each
   * folder is one projected volume mounted at its own directory: Grafana's
   * provider walks real directories only (Go `filepath.Walk` does not follow
   * the symlinked sub-directories a single ConfigMap volume would create).
   * The pods roll when dashboards change. The JSON's `uid` is set to `uid`
   * (a different one is refused) and it needs a `title`, unique in the folder.
   * @param folder Grafana folder title, e.g. `'Kubernetes'`.
   * @param uid Dashboard uid (max 40 of a-z A-Z 0-9 - _), unique in this Grafana.
   * @param json The dashboard JSON model.
   */
  public addDashboard(folder: string, uid: string, json: object): GrafanaDashboard {
    const where = 'Grafana.addDashboard';
    const isModel = typeof json === 'object' && json !== null && !Array.isArray(json);
    // A plain deep copy, as Grafana will read it (honours toJSON, drops undefined; later caller edits do not leak in).
    const model: Record<string, unknown> = isModel ? JSON.parse(JSON.stringify(json)) : {};
    validate(where, [
      { field: 'folder', value: folder, required: true, ok: isFolder, allowed: FOLDER_ALLOWED },
      { field: 'uid', value: uid, required: true, ok: (v: unknown) => typeof v === 'string' && DASHBOARD_UID.test(v), allowed: DASHBOARD_UID_ALLOWED },
      {
        field: 'uid',
        value: uid,
        ok: (v: string) => !this.dashboardMap.has(v),
        allowed: `a uid not used by another dashboard of this Grafana (have ${[...this.dashboardMap.keys()].join(', ')})`,
      },
      { field: 'json', value: json, required: true, ok: () => isModel, allowed: 'a dashboard JSON model (an object)' },
    ]);
    const titles = [...this.dashboardMap.values()].filter((d) => d.folder === folder).map((d) => d.json.title);
    validate(where, [
      { field: 'json.uid', value: model.uid, ok: (v: unknown) => v === uid || v === null, allowed: `absent, null or equal to the uid argument ${JSON.stringify(uid)}` },
      { field: 'json.title', value: model.title, required: true, ok: is.nonEmpty, allowed: 'a non-empty dashboard title' },
      {
        field: 'json.title',
        value: model.title,
        ok: (v: unknown) => !titles.includes(v),
        allowed: `a title not used by another dashboard in folder ${JSON.stringify(folder)}`,
      },
    ]);
    // Every Prometheus query must parse: Grafana would only show the error on the panel.
    validate(where, promqlTargets(model).map(({ at, expr }) => ({ field: `json.${at}.expr`, value: expr, ok: isValidPromql, allowed: promqlAllowed(expr) })));
    const provisioned: Record<string, unknown> = { ...model, uid };
    const content = JSON.stringify(provisioned);
    validate(where, [
      {
        field: 'json',
        value: `${Buffer.byteLength(content)} bytes`,
        ok: () => Buffer.byteLength(content) <= MAX_DASHBOARD_BYTES,
        allowed: `a dashboard of at most ${MAX_DASHBOARD_BYTES} bytes as JSON (a ConfigMap holds 1 MiB)`,
      },
    ]);

    const configMapName = childName(this.name, 'dashboard', dashboardNamePart(uid));
    new k8s.KubeConfigMap(this, `dashboard-${uid}`, {
      metadata: {
        name: configMapName,
        namespace: this.identity.namespace,
        labels: { ...standardLabels(this.identity), [GRAFANA_DASHBOARD_LABEL]: '1' },
      },
      data: { [`${uid}.json`]: content },
    });
    const dashboard: GrafanaDashboard = { folder, uid, configMapName, json: provisioned };
    if (![...this.dashboardMap.values()].some((d) => d.folder === folder)) {
      const volume = dashboardVolumeName(folder);
      this.workload.addVolume(
        { name: volume, projected: { sources: Lazy.any({ produce: () => this.folderSources(folder) }) } },
        { name: volume, mountPath: `${GRAFANA_DASHBOARDS_DIR}/${folder}`, readOnly: true },
      );
    }
    this.dashboardMap.set(uid, dashboard);
    return dashboard;
  }

  /** The dashboards added so far, ordered by folder and uid. */
  public get dashboards(): readonly GrafanaDashboard[] {
    return [...this.dashboardMap.values()].sort((a, b) => (a.folder === b.folder ? cmp(a.uid, b.uid) : cmp(a.folder, b.folder)));
  }

  private folderSources(folder: string): k8s.VolumeProjection[] {
    return this.dashboards
      .filter((d) => d.folder === folder)
      .map((d) => ({ configMap: { name: d.configMapName, items: [{ key: `${d.uid}.json`, path: `${d.uid}.json` }] } }));
  }

  private dashboardChecksumInput(): string {
    return configChecksum(...this.dashboards.map((d) => `${d.folder}/${d.uid}\n${JSON.stringify(d.json)}`));
  }

  /** The endpoint Prometheus scrapes (`/metrics` on the http port). */
  public get metricsEndpoint(): Endpoint {
    return this.endpoints.http.withPath('/metrics');
  }

  /** Records a scrape job that scrapes this component (see `Prometheus.scrape`); its alert rules select it. */
  public scrapedAs(job: ScrapeJobRef): void {
    if (!this.scrapeJobs.some((j) => j.jobName === job.jobName)) this.scrapeJobs.push(job);
  }

  /** Grafana's up/absent alerts, selecting the jobs that scrape it (none while nothing does). */
  public observability(): ObservabilityContent {
    const jobs = this.scrapeJobs.map((j) => j.jobName);
    return { ruleSets: jobs.length > 0 ? { grafana: [{ name: 'grafana', rules: targetRules('Grafana', 'Grafana', jobs) }] } : {} };
  }
}

/** The dashboard provider file: one file provider, folders from the directory structure, read-only. */
export function dashboardProviders(): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'default',
        orgId: 1,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: GRAFANA_DASHBOARDS_DIR, foldersFromFilesStructure: true },
      },
    ],
  };
}

/**
 * The ConfigMap name part for a dashboard uid: lower-cased with "_" as "-";
 * when that loses information (upper case, "_", a trailing "-") a short hash
 * of the uid keeps names of different uids apart.
 */
function dashboardNamePart(uid: string): string {
  const slug = uid.toLowerCase().replace(/_/g, '-');
  return slug === uid && /[a-z0-9]$/.test(slug) ? slug : `${slug.replace(/-+$/, '')}-${configChecksum(uid).slice(0, 8)}`;
}

/** The pod volume name of a dashboard folder: `dashboards-<slug>`, with a hash when the slug loses information. */
function dashboardVolumeName(folder: string): string {
  const slug = folder.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug === folder && slug.length <= 40 ? `dashboards-${slug}` : `dashboards-${slug.slice(0, 40).replace(/-+$/, '')}-${configChecksum(folder).slice(0, 8)}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
