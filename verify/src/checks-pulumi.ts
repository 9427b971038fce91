/**
 * Pulumi for real: the Pulumi CLI (the engine) and the Kubernetes provider,
 * built from Go modules, deploy every example environment (Pulumi.<env>.yaml)
 * to real API servers, one per cluster (with kube-controller-manager, so
 * deletes finish as in a cluster): preview, up, a no-op up, a config change,
 * destroy. Local file backend and passphrase secrets; no network.
 *
 * The program is the package's own (build/pulumi/main.js `run`, what
 * Pulumi.yaml's `main` runs), run through the Automation API as an inline
 * program: the Node.js language host (`pulumi-language-nodejs`) is not
 * served by the Go module proxy, and for inline programs @pulumi/pulumi
 * implements the language runtime itself, so the CLI needs no language
 * plugin. The only addition is a stack transform that sets the provider's
 * documented `pulumi.com/skipAwait` annotation: there is no kubelet, so no
 * workload would ever become ready.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { ApiServer } from './apiserver';
import { ensureNamespace } from './checks-kubernetes';
import { BIN, bin, ROOT } from './paths';
import { runOk } from './proc';
import { clusterOf, K8sObject, renderConfigs } from './render';
import { Report } from './report';
import { pulumiKubernetesPluginVersion } from './tools';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const pkg = require(path.join(ROOT, 'build', 'index.js'));
// The Pulumi adapter's logical names (`<cluster>:<kind>:<namespace>/<name>`).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { logicalName } = require(path.join(ROOT, 'build', 'lib', 'pulumi.js')) as { logicalName: (cluster: string, o: K8sObject) => string };

/** An example environment and its twin config. */
export interface PulumiEnv {
  readonly env: string;
  readonly twin: string;
  /** Secret config set with `pulumi config set --secret`. */
  readonly secrets: Record<string, string>;
}

export const PULUMI_ENVS: PulumiEnv[] = [
  { env: 'dev', twin: 'single-node', secrets: { grafanaAdminPassword: 'verify-dev-grafana-password' } },
  {
    env: 'prod',
    twin: 'per-cluster',
    secrets: { grafanaAdminPassword: 'verify-prod-grafana-password', objectStoreAccessKeyId: 'VERIFYPRODACCESSKEY', objectStoreSecretAccessKey: 'verify/prod+secret: key #1' },
  },
  { env: 'fleet', twin: 'multi-cluster', secrets: { grafanaAdminPassword: 'verify-fleet-grafana-password', telemetryGatewayToken: 'verify-fleet-gateway-token-1234' } },
];

const PROJECT = 'otel-lgtm-k8s';
const SKIP_AWAIT = 'pulumi.com/skipAwait';

interface EngineEvents {
  /** URN → op, in the order the engine started them. */
  readonly steps: { urn: string; op: string; type: string }[];
}

/** `<cluster>:<kind>:<ns>/<name>` of a Kubernetes resource's URN (its logical name), or undefined for others. */
function logicalNameOf(urn: string): string | undefined {
  const name = urn.split('::').pop()!;
  return /^[^:]+:[a-z]+:/.test(name) ? name : undefined;
}

/** Every object of the twin config, as `npm run synth` renders it, by cluster. */
function synthTwin(twin: string, dir: string, deployment?: unknown): Map<string, K8sObject[]> {
  const config = deployment ?? parse(fs.readFileSync(path.join(ROOT, 'examples', `${twin}.yaml`), 'utf8'));
  const files = renderConfigs(`pulumi twin ${twin}`, [{ source: `${twin} (twin)`, config }], dir);
  const byCluster = new Map<string, K8sObject[]>();
  for (const f of files) {
    const cluster = clusterOf(f.objects);
    byCluster.set(cluster, f.objects);
  }
  return byCluster;
}

/** `rendered` ⊆ `live`: every field rendered has the same value on the server (which adds defaults). */
export function subsetDiff(rendered: unknown, live: unknown, at = ''): string[] {
  if (rendered === undefined) return [];
  if (rendered === null || typeof rendered !== 'object') {
    // The API server normalises quantities ("1000m" → "1", "1024Mi" → "1Gi"); compare what it means.
    if (typeof rendered === 'string' && typeof live === 'string' && rendered !== live && quantity(rendered) !== undefined && quantity(rendered) === quantity(live)) return [];
    return rendered === live || (typeof rendered === 'number' && String(rendered) === live) ? [] : [`${at}: rendered ${JSON.stringify(rendered)}, server has ${JSON.stringify(live)}`];
  }
  if (Array.isArray(rendered)) {
    if (!Array.isArray(live) || live.length !== rendered.length) return [`${at}: rendered ${rendered.length} items, server has ${Array.isArray(live) ? live.length : JSON.stringify(live)}`];
    return rendered.flatMap((x, i) => subsetDiff(x, live[i], `${at}[${i}]`));
  }
  if (live === null || typeof live !== 'object') return [`${at}: rendered an object, server has ${JSON.stringify(live)}`];
  return Object.entries(rendered as Record<string, unknown>).flatMap(([k, v]) => subsetDiff(v, (live as Record<string, unknown>)[k], `${at}.${k}`));
}

function quantity(s: string): number | undefined {
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(s);
  if (!m) return undefined;
  const mult: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}

/** The content of an object that must match: everything but metadata other than labels and annotations. */
function content(o: K8sObject): Record<string, unknown> {
  const { metadata, apiVersion: _a, kind: _k, ...rest } = o;
  return { ...rest, metadata: { labels: metadata.labels, annotations: metadata.annotations } };
}

export async function checkPulumi(r: Report, e: PulumiEnv, dir: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const automation = require(path.join(ROOT, 'node_modules', '@pulumi', 'pulumi', 'automation'));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pulumiSdk = require(path.join(ROOT, 'node_modules', '@pulumi', 'pulumi'));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const twin = synthTwin(e.twin, path.join(dir, 'synth'));
  const clusters = [...twin.keys()];

  // One API server per cluster; the user's prerequisites (the Gateways' namespaces) exist.
  const apis = new Map<string, ApiServer>();
  for (const c of clusters) {
    const api = new ApiServer(c, path.join(dir, 'clusters', c), { controllers: true });
    await api.start();
    await api.installCrds();
    for (const ns of pkg.prerequisites(twin.get(c)).namespaces) await ensureNamespace(api, ns.name);
    apis.set(c, api);
  }
  try {
    // Each cluster's API server under the kubeconfig context the stack file names for it.
    const access = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${e.env}.yaml`), 'utf8')).config[`${PROJECT}:clusters`] ?? {};
    const kubeconfigs = clusters.map((c) => {
      const f = path.join(dir, 'clusters', c, 'context.kubeconfig');
      fs.writeFileSync(f, apis.get(c)!.kubeconfigYaml(access[c]?.context ?? c));
      return f;
    });
    const { envVars, home } = await pulumiEnvironment(dir, kubeconfigs);

    // The project as users have it: Pulumi.yaml and the environment's stack file, unchanged.
    const work = path.join(dir, 'project');
    fs.mkdirSync(work, { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'Pulumi.yaml'), path.join(work, 'Pulumi.yaml'));
    // Pulumi.yaml's `main` (build/pulumi/program.js) must exist; the inline program runs the same `run()`.
    fs.symlinkSync(path.join(ROOT, 'build'), path.join(work, 'build'));
    const stackFile = path.join(work, `Pulumi.${e.env}.yaml`);
    fs.copyFileSync(path.join(ROOT, `Pulumi.${e.env}.yaml`), stackFile);

    const program = async () => {
      pulumiSdk.runtime.registerResourceTransform(skipAwait);
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      return require(path.join(ROOT, 'build', 'pulumi', 'main.js')).run();
    };
    const pulumiCommand = await automation.PulumiCommand.get({ root: path.dirname(BIN) });
    const ws = await automation.LocalWorkspace.create({ workDir: work, program, envVars, pulumiHome: home, pulumiCommand });
    const stack = await automation.Stack.create(e.env, ws);
    for (const [k, v] of Object.entries(e.secrets)) await stack.setConfig(`${PROJECT}:${k}`, { value: v, secret: true });

    const events = (): { ev: EngineEvents; onEvent: (x: any) => void } => {
      const ev: EngineEvents = { steps: [] };
      return {
        ev,
        onEvent: (x: any) => {
          const m = x.resourcePreEvent?.metadata;
          if (m) ev.steps.push({ urn: m.urn, op: m.op, type: m.type });
        },
      };
    };
    const expectedNames = (objs: Map<string, K8sObject[]>) =>
      new Set([...objs].flatMap(([c, os]) => os.map((o) => logicalName(c, o) as string)));
    const secretNames = (c: string) => [...secretsOf(e, twin.get(c)!)].map((s) => `${c}:secret:${s.namespace}/${s.name}`);
    const want = new Set([...expectedNames(twin), ...clusters.flatMap(secretNames)]);

    // 1. preview lists exactly the synth output (plus the Secrets from secret config).
    const p = events();
    const preview = await stack.preview({ onEvent: p.onEvent });
    const previewed = new Set(p.ev.steps.filter((s) => s.op === 'create').map((s) => logicalNameOf(s.urn)).filter((n): n is string => !!n));
    const missing = [...want].filter((n) => !previewed.has(n));
    const extra = [...previewed].filter((n) => !want.has(n));
    r.check(
      `pulumi ${e.env}: preview creates exactly the ${want.size} objects synth renders for examples/${e.twin}.yaml (plus Secrets from secret config)`,
      missing.length === 0 && extra.length === 0 && preview.changeSummary?.create >= want.size,
      [missing.length ? `missing: ${missing.join(', ')}` : '', extra.length ? `extra: ${extra.join(', ')}` : ''].filter(Boolean).join('\n') || undefined,
    );

    // 2. up creates everything; the API servers hold exactly those objects; secrets stay secret.
    const u = events();
    const up = await stack.up({ onEvent: u.onEvent });
    r.check(`pulumi ${e.env}: up succeeds (${JSON.stringify(up.summary.resourceChanges)})`, up.summary.result === 'succeeded');
    for (const c of clusters) await checkServerHolds(r, e.env, c, apis.get(c)!, twin.get(c)!);
    for (const c of clusters) await checkSecrets(r, e, c, apis.get(c)!, twin.get(c)!);
    const stateText = fs.readdirSync(path.join(dir, 'state'), { recursive: true }).map((f) => path.join(dir, 'state', String(f))).filter((f) => fs.statSync(f).isFile()).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    const leaked = Object.entries(e.secrets).filter(([, v]) => stateText.includes(v) || stateText.includes(Buffer.from(v).toString('base64')));
    r.check(`pulumi ${e.env}: no secret value appears in plain text (or base64) in the state`, leaked.length === 0, leaked.map(([k]) => k).join(', ') || undefined);

    // 3. A second up changes nothing.
    const again = await stack.up();
    const changes = again.summary.resourceChanges ?? {};
    r.check(`pulumi ${e.env}: a second up reports no changes (${JSON.stringify(changes)})`, Object.keys(changes).every((k) => k === 'same'));

    // 4. Changing Loki's retention updates exactly the objects whose render changes, and rolls Loki's pods.
    const doc = parse(fs.readFileSync(stackFile, 'utf8'));
    const deployment = doc.config[`${PROJECT}:deployment`];
    const before = synthTwin(e.twin, path.join(dir, 'synth-before'), deployment);
    const changed = structuredClone(deployment);
    changed.loki = { ...(changed.loki ?? {}), retention: changed.loki?.retention === '720h' ? '744h' : '720h' };
    doc.config[`${PROJECT}:deployment`] = changed;
    fs.writeFileSync(stackFile, stringify(doc));
    const after = synthTwin(e.twin, path.join(dir, 'synth-after'), changed);
    const affected = new Set<string>();
    for (const [c, objs] of after) {
      const old = new Map(before.get(c)!.map((o) => [logicalName(c, o), JSON.stringify(o)]));
      for (const o of objs) if (old.get(logicalName(c, o)) !== JSON.stringify(o)) affected.add(logicalName(c, o));
    }
    const ch = events();
    const changedUp = await stack.up({ onEvent: ch.onEvent });
    const updated = new Set(ch.ev.steps.filter((s) => s.op === 'update' || s.op === 'replace').map((s) => logicalNameOf(s.urn)).filter((n): n is string => !!n));
    const lokiSts = [...affected].find((n) => /:statefulset:.*\/loki$/.test(n));
    r.check(
      `pulumi ${e.env}: changing loki.retention updates exactly the ${affected.size} objects whose render changes (${[...affected].join(', ')})`,
      changedUp.summary.result === 'succeeded' && affected.size > 0 && [...affected].every((n) => updated.has(n)) && [...updated].every((n) => affected.has(n)),
      `updated: ${[...updated].join(', ')}`,
    );
    if (lokiSts) {
      const [c] = lokiSts.split(':');
      const live = JSON.parse((await apis.get(c)!.kubectlOk(['-n', 'telemetry', 'get', 'statefulset', 'loki', '-o', 'json'])).stdout);
      const was = before.get(c)!.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'loki')!.spec.template.metadata.annotations['checksum/config'];
      const now = live.spec.template.metadata.annotations['checksum/config'];
      r.check(`pulumi ${e.env}: Loki's pod template rolls (checksum/config ${was.slice(0, 12)}… → ${String(now).slice(0, 12)}…)`, was !== now && now === after.get(c)!.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'loki')!.spec.template.metadata.annotations['checksum/config']);
    } else {
      r.check(`pulumi ${e.env}: Loki runs in this environment`, false, 'no Loki StatefulSet among the affected objects');
    }

    // 5. destroy removes everything, each Namespace after the objects in it.
    const d = events();
    const destroyed = await stack.destroy({ onEvent: d.onEvent });
    const deletes = d.ev.steps.filter((s) => s.op === 'delete').map((s) => logicalNameOf(s.urn)).filter((n): n is string => !!n);
    const nsLate = deletes
      .map((n, i) => ({ n, i }))
      .filter(({ n }) => /:namespace:/.test(n))
      .every(({ n, i }) => {
        const [c, , ns] = n.split(':');
        return deletes.every((o, j) => !(o.startsWith(`${c}:`) && o.includes(`:${ns}/`)) || j < i);
      });
    r.check(`pulumi ${e.env}: destroy deletes all ${deletes.length} objects, every Namespace after the objects in it`, destroyed.summary.result === 'succeeded' && nsLate && deletes.length >= want.size);
    for (const c of clusters) {
      const left = await leftovers(apis.get(c)!, twin.get(c)!);
      r.check(`pulumi ${e.env}: after destroy the ${c} API server holds none of the stack's objects`, left.length === 0, left.join(', ') || undefined);
    }
    await stack.workspace.removeStack(e.env);
  } finally {
    for (const a of apis.values()) await a.stop();
  }
}

/**
 * The verification's only change to a program: the provider's documented
 * `pulumi.com/skipAwait` annotation on every Kubernetes object (no kubelet
 * here, so no workload would ever become ready).
 */
function skipAwait(a: any) {
  if (!a.custom || !a.type.startsWith('kubernetes:') || a.type.startsWith('pulumi:providers:')) return undefined;
  const metadata = a.props.metadata ?? {};
  return { props: { ...a.props, metadata: { ...metadata, annotations: { ...(metadata.annotations ?? {}), [SKIP_AWAIT]: 'true' } } }, opts: a.opts };
}

/** A local file backend, a passphrase, the given kubeconfigs, and the Kubernetes provider installed as a plugin. */
async function pulumiEnvironment(dir: string, kubeconfigs: string[], pluginVersion = pulumiKubernetesPluginVersion()): Promise<{ envVars: Record<string, string>; home: string }> {
  const home = path.join(dir, 'pulumi-home');
  const state = path.join(dir, 'state');
  fs.mkdirSync(state, { recursive: true });
  const envVars: Record<string, string> = {
    PATH: `${BIN}:${process.env.PATH}`,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString('hex'),
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    KUBECONFIG: kubeconfigs.join(':'),
  };
  await runOk(bin('pulumi'), ['plugin', 'install', 'resource', 'kubernetes', pluginVersion, '--file', bin('pulumi-resource-kubernetes')], { env: { ...process.env, ...envVars } });
  return { envVars, home };
}

/** The Secrets the program creates from secret config, in a cluster (name, namespace, key → value). */
function secretsOf(e: PulumiEnv, objects: K8sObject[]): { name: string; namespace: string; data: Record<string, string> }[] {
  const namespace = objects.find((o) => o.kind === 'Namespace')!.metadata.name;
  const refs = pkg.prerequisites(objects).secrets as { name: string; keys: string[] }[];
  const out: { name: string; namespace: string; data: Record<string, string> }[] = [];
  const value = (secret: string, key: string): string | undefined => {
    if (secret === 'grafana-admin') return key === 'admin-user' ? 'admin' : e.secrets.grafanaAdminPassword;
    if (secret === 'lgtm-object-store') return key === 'access-key-id' ? e.secrets.objectStoreAccessKeyId : e.secrets.objectStoreSecretAccessKey;
    if (secret === 'telemetry-gateway-auth') return e.secrets.telemetryGatewayToken;
    return undefined;
  };
  for (const s of refs) {
    const data: Record<string, string> = {};
    for (const k of s.keys) {
      const v = value(s.name, k);
      if (v !== undefined) data[k] = v;
    }
    if (Object.keys(data).length > 0) out.push({ name: s.name, namespace, data });
  }
  return out;
}

async function checkSecrets(r: Report, e: PulumiEnv, cluster: string, api: ApiServer, objects: K8sObject[]): Promise<void> {
  for (const s of secretsOf(e, objects)) {
    const got = await api.kubectl(['-n', s.namespace, 'get', 'secret', s.name, '-o', 'json']);
    const data = got.code === 0 ? JSON.parse(got.stdout).data ?? {} : {};
    const bad = Object.entries(s.data).filter(([k, v]) => Buffer.from(data[k] ?? '', 'base64').toString() !== v);
    r.check(`pulumi ${e.env}: secret config reached ${cluster} as Secret ${s.namespace}/${s.name} (${Object.keys(s.data).join(', ')})`, got.code === 0 && bad.length === 0, got.code !== 0 ? got.stderr : bad.map(([k]) => `${k} differs`).join(', ') || undefined);
  }
}

/** The API server holds every rendered object, with the rendered content (server defaults aside), and no other object of the stack. */
async function checkServerHolds(r: Report, env: string, cluster: string, api: ApiServer, objects: K8sObject[]): Promise<void> {
  const problems: string[] = [];
  for (const o of objects) {
    const args = ['get', `${o.kind}.${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}`.replace(/\.$/, ''), o.metadata.name, '-o', 'json'];
    const got = await api.kubectl(o.metadata.namespace ? ['-n', o.metadata.namespace, ...args] : args);
    if (got.code !== 0) {
      problems.push(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${got.stderr.trim()}`);
      continue;
    }
    const live = JSON.parse(got.stdout);
    delete live.metadata?.annotations?.[SKIP_AWAIT];
    problems.push(...subsetDiff(content(o), live).map((d) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}${d}`));
  }
  // Nothing else of the stack: every object carrying its part-of label is a rendered one or a created Secret.
  const listed = JSON.parse((await api.kubectlOk(['get', [...new Set(objects.map((o) => kindArg(o)))].join(','), '-A', '-l', 'app.kubernetes.io/part-of=lgtm', '-o', 'json'])).stdout).items as K8sObject[];
  const known = new Set(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`));
  const strangers = listed.filter((o) => !known.has(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)).map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  r.check(
    `pulumi ${env}: the ${cluster} API server holds exactly the ${objects.length} rendered objects, with their rendered content`,
    problems.length === 0 && strangers.length === 0,
    [...problems.slice(0, 20), ...(strangers.length ? [`not rendered: ${strangers.join(', ')}`] : [])].join('\n') || undefined,
  );
}

function kindArg(o: K8sObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return group ? `${o.kind.toLowerCase()}s.${group}`.replace(/ys\./, 'ies.').replace(/(ss)s\./, '$1es.') : o.kind.toLowerCase();
}

/** Objects of the stack still on the server (Namespaces included, once their deletion has finished). */
async function leftovers(api: ApiServer, objects: K8sObject[]): Promise<string[]> {
  const until = Date.now() + 120_000;
  let left: string[] = [];
  do {
    left = [];
    for (const o of objects) {
      const args = ['get', kindArg(o), o.metadata.name, '--ignore-not-found', '-o', 'name'];
      const got = await api.kubectl(o.metadata.namespace ? ['-n', o.metadata.namespace, ...args] : args);
      if (got.stdout.trim()) left.push(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    }
    if (left.length === 0) return left;
    await new Promise((res) => setTimeout(res, 2000));
  } while (Date.now() < until);
  return left;
}

/** A compiled Pulumi program and the node_modules it runs with. */
export interface PulumiProgramProject {
  /** The project directory (holds Pulumi.yaml). */
  readonly dir: string;
  /** The compiled program, relative to `dir`. */
  readonly main: string;
  /** The directory whose `@pulumi/pulumi` and `@pulumi/kubernetes` the program uses. */
  readonly nodeModules: string;
  /** What the checks call it (after "pulumi "). */
  readonly label: string;
}

/** The README's Pulumi library example: its code, the provider context it names and its deployment config. */
function readmeExample(): { code: string; context: string; deployment: unknown } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- consumer-test: pulumi index\.ts -->\n```\w*\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no block marked `consumer-test: pulumi index.ts`');
  const code = block[1];
  const context = /context: '([^']+)'/.exec(code)?.[1];
  const configLiteral = /config: (\{[\s\S]*?\n  \}),\n  providers/.exec(code)?.[1];
  if (!context || !configLiteral) throw new Error('the README example names no provider context or config');
  // The example's deployment, evaluated from its own text, rendered as synth renders it.
  // eslint-disable-next-line no-new-func
  const deployment = new Function(`return (${configLiteral});`)();
  return { code, context, deployment };
}

/**
 * The README's Pulumi library example, deployed for real: the code block the
 * consumer tests compile (marked `consumer-test: pulumi index.ts`), compiled
 * against this package as a dependency (`otel-lgtm-k8s/pulumi`), run by the
 * real engine against an API server under the provider context it names:
 * up creates what synth renders for its config, destroy removes it.
 */
export async function checkPulumiReadmeExample(r: Report, dir: string): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  const { code } = readmeExample();
  // A project with this package (and the pinned Pulumi SDKs) as dependencies.
  const project = path.join(dir, 'project');
  fs.mkdirSync(path.join(project, 'node_modules'), { recursive: true });
  fs.symlinkSync(ROOT, path.join(project, 'node_modules', 'otel-lgtm-k8s'));
  fs.symlinkSync(path.join(ROOT, 'node_modules', '@pulumi'), path.join(project, 'node_modules', '@pulumi'));
  fs.writeFileSync(path.join(project, 'index.ts'), code);
  fs.writeFileSync(path.join(project, 'Pulumi.yaml'), 'name: readme-example\nruntime: nodejs\nmain: index.js\n');
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'node16', moduleResolution: 'node16', skipLibCheck: true, types: [] }, files: ['index.ts'] }),
  );
  await runOk(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project]);
  await deployReadmeProgram(r, dir, { dir: project, main: 'index.js', nodeModules: path.join(ROOT, 'node_modules'), label: 'README example' });
}

/**
 * Deploys a compiled program of the README's Pulumi example with the real
 * engine, through the program's own `@pulumi/pulumi` (its Automation API and
 * runtime) and a provider plugin installed at the version its
 * `@pulumi/kubernetes` asks for: up succeeds, the API server then holds
 * exactly what synth renders for the example's config, destroy removes it.
 * The consumer tests call it (consumer-pulumi.ts) on the project they
 * installed from the packed tarball.
 */
export async function deployReadmeProgram(r: Report, dir: string, project: PulumiProgramProject): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const automation = require(path.join(project.nodeModules, '@pulumi', 'pulumi', 'automation'));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pulumiSdk = require(path.join(project.nodeModules, '@pulumi', 'pulumi'));
  const { context, deployment } = readmeExample();
  const name = /^name:\s*(\S+)/m.exec(fs.readFileSync(path.join(project.dir, 'Pulumi.yaml'), 'utf8'))?.[1];
  if (!name) throw new Error(`${project.dir}/Pulumi.yaml names no project`);

  const api = new ApiServer(context, path.join(dir, 'cluster'), { controllers: true });
  await api.start();
  try {
    await api.installCrds();
    const rendered = synthTwin('readme-example', path.join(dir, 'synth'), deployment);
    const objects = [...rendered.values()][0];
    for (const ns of pkg.prerequisites(objects).namespaces) await ensureNamespace(api, ns.name);
    const kubeconfig = path.join(dir, 'cluster', 'context.kubeconfig');
    fs.writeFileSync(kubeconfig, api.kubeconfigYaml(context));
    const { envVars, home } = await pulumiEnvironment(dir, [kubeconfig], pulumiKubernetesPluginVersion(project.nodeModules));
    const program = async () => {
      // Resource transforms are newer than the lowest @pulumi/pulumi the package takes (3.113); older SDKs get the same change as a stack
      // transformation. That runs inside the Resource constructor, before CustomResource marks the instance, so custom comes from the
      // type: every kubernetes: type but the provider's component resources (yaml, helm, kustomize) is a custom resource.
      if (typeof pulumiSdk.runtime.registerResourceTransform === 'function') pulumiSdk.runtime.registerResourceTransform(skipAwait);
      else pulumiSdk.runtime.registerStackTransformation((a: any) => skipAwait({ ...a, custom: !/^kubernetes:(yaml|helm|kustomize)/.test(a.type) }));
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      return require(path.join(project.dir, project.main));
    };
    const pulumiCommand = await automation.PulumiCommand.get({ root: path.dirname(BIN) });
    const ws = await automation.LocalWorkspace.create({ workDir: project.dir, program, envVars, pulumiHome: home, pulumiCommand });
    const stack = await automation.Stack.create('readme', ws);
    await stack.setConfig(`${name}:grafanaAdminPassword`, { value: 'verify-readme-password', secret: true });
    const up = await stack.up();
    r.check(`pulumi ${project.label}: up succeeds (${JSON.stringify(up.summary.resourceChanges)})`, up.summary.result === 'succeeded');
    await checkServerHolds(r, project.label, context, api, objects);
    const destroyed = await stack.destroy();
    const left = await leftovers(api, objects);
    r.check(`pulumi ${project.label}: destroy leaves none of its objects`, destroyed.summary.result === 'succeeded' && left.length === 0, left.join(', ') || undefined);
    await stack.workspace.removeStack('readme');
  } finally {
    await api.stop();
  }
}
