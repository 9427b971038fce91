/**
 * The real programs, built from Go modules at the versions pinned in
 * `lib/images.ts` (IMAGES for the collector and Prometheus, VERIFIED_WITH
 * for the rest). Each tool has its own module under verify/tools/ with a
 * committed go.mod and go.sum; builds land in .verify/bin and are cached in
 * Go's own caches, and a stamp (hash of the module files and flags) skips the
 * link step when nothing changed.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { BIN, GEN, ROOT } from './paths';
import { runOk } from './proc';

// The package under test, compiled (npm run build).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const pkg = require(path.join(ROOT, 'build', 'index.js'));

export interface ToolSpec {
  readonly name: string;
  /** Module directory, relative to the repository root. */
  readonly dir: string;
  /** Packages to build and the binary name of each. */
  readonly binaries: readonly { readonly pkg: string; readonly out: string }[];
  readonly tags?: string;
  readonly ldflags?: readonly string[];
  /** Module requirements the go.mod must pin (module → version). */
  readonly requires: Readonly<Record<string, string>>;
  /** Work before `go build` (e.g. sources a module's own build generates). */
  readonly prepare?: () => Promise<void>;
}

const IMAGES = pkg.IMAGES as Record<string, { tag: string }>;
const V = pkg.VERIFIED_WITH as Record<string, string>;
export const COLLECTOR_VERSION: string = pkg.collectorModuleVersion();
/** Prometheus 3.MM.P is Go module v0.3MM.P. */
export const PROMETHEUS_VERSION = IMAGES.prometheus.tag.replace(/^v/, '');
const promModule = (() => {
  const [maj, min, patch] = PROMETHEUS_VERSION.split('.').map(Number);
  return `v0.${maj * 100 + min}.${patch}`;
})();

/** The plugin version `@pulumi/kubernetes` asks the engine for. */
/** The provider plugin version the `@pulumi/kubernetes` in `nodeModules` asks for. */
export function pulumiKubernetesPluginVersion(nodeModules = path.join(ROOT, 'node_modules')): string {
  const p = JSON.parse(fs.readFileSync(path.join(nodeModules, '@pulumi', 'kubernetes', 'package.json'), 'utf8'));
  return p.pulumi?.version ?? p.version;
}

export function toolSpecs(): ToolSpec[] {
  const k8sMinor = V.kubernetes.split('.')[1];
  return [
    {
      name: 'otelcol-builder',
      dir: 'verify/tools/otelcol-builder',
      binaries: [{ pkg: 'go.opentelemetry.io/collector/cmd/builder', out: 'ocb' }],
      requires: { 'go.opentelemetry.io/collector/cmd/builder': COLLECTOR_VERSION },
    },
    {
      name: 'otelcol',
      dir: 'verify/tools/otelcol',
      binaries: [{ pkg: '.', out: 'otelcol' }],
      requires: Object.fromEntries(pkg.registeredComponents().map((c: { gomod: string }) => [c.gomod, COLLECTOR_VERSION])),
    },
    {
      name: 'otelcol-sink',
      dir: 'verify/tools/otelcol-sink',
      binaries: [{ pkg: '.', out: 'otelcol-sink' }],
      requires: { 'go.opentelemetry.io/collector/receiver/otlpreceiver': COLLECTOR_VERSION },
    },
    {
      name: 'prometheus',
      dir: 'verify/tools/prometheus',
      binaries: [
        { pkg: 'github.com/prometheus/prometheus/cmd/prometheus', out: 'prometheus' },
        { pkg: 'github.com/prometheus/prometheus/cmd/promtool', out: 'promtool' },
      ],
      tags: 'remove_all_sd,enable_kubernetes_sd',
      ldflags: [`-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION}`, '-X github.com/prometheus/common/version.Branch=release'],
      requires: { 'github.com/prometheus/prometheus': promModule },
    },
    {
      name: 'telemetrygen',
      dir: 'verify/tools/telemetrygen',
      binaries: [{ pkg: 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen', out: 'telemetrygen' }],
      requires: { 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen': `v${V.telemetrygen}` },
    },
    {
      name: 'etcd',
      dir: 'verify/tools/etcd',
      binaries: [{ pkg: 'go.etcd.io/etcd/server/v3', out: 'etcd' }],
      requires: { 'go.etcd.io/etcd/server/v3': `v${V.etcd}` },
    },
    {
      name: 'kubernetes',
      dir: 'verify/tools/kubernetes',
      binaries: [
        { pkg: 'k8s.io/kubernetes/cmd/kube-apiserver', out: 'kube-apiserver' },
        { pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager', out: 'kube-controller-manager' },
        { pkg: 'k8s.io/kubernetes/cmd/kubectl', out: 'kubectl' },
      ],
      ldflags: [
        `-X k8s.io/component-base/version.gitVersion=v${V.kubernetes}`,
        '-X k8s.io/component-base/version.gitMajor=1',
        `-X k8s.io/component-base/version.gitMinor=${k8sMinor}`,
      ],
      requires: { 'k8s.io/kubernetes': `v${V.kubernetes}`, 'k8s.io/api': `v0.${k8sMinor}.${V.kubernetes.split('.')[2]}` },
    },
    {
      name: 'pulumi',
      dir: 'verify/tools/pulumi',
      binaries: [{ pkg: 'github.com/pulumi/pulumi/pkg/v3/cmd/pulumi', out: 'pulumi' }],
      ldflags: [`-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${V.pulumi}`],
      requires: { 'github.com/pulumi/pulumi/pkg/v3': `v${V.pulumi}`, 'github.com/pulumi/pulumi/sdk/v3': `v${V.pulumi}` },
    },
    {
      name: 'pulumi-kubernetes',
      dir: 'verify/tools/pulumi-kubernetes',
      binaries: [{ pkg: 'github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes', out: 'pulumi-resource-kubernetes' }],
      ldflags: [`-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${pulumiKubernetesPluginVersion()}`],
      requires: { 'github.com/pulumi/pulumi-kubernetes/provider/v4': V.pulumiKubernetesProvider },
      prepare: () => preparePulumiKubernetesProvider(V.pulumiKubernetesProvider, pulumiKubernetesPluginVersion()),
    },
  ];
}

/**
 * The Kubernetes provider's main package embeds `schema-embed.json` and
 * `terraform-mapping-embed.json`, which its own build generates (`go generate`
 * runs cmd/pulumi-resource-kubernetes/generate.go: schema.json with the
 * version set, and terraform-mapping.json, re-serialised compactly). The module
 * proxy serves the module without them, so the pinned module is copied to
 * .verify/gen/pulumi-kubernetes-provider (where verify/tools/pulumi-kubernetes/go.mod
 * replaces it) and the two files are generated the same way.
 */
export async function preparePulumiKubernetesProvider(moduleVersion: string, pluginVersion: string): Promise<void> {
  const mod = 'github.com/pulumi/pulumi-kubernetes/provider/v4';
  const info = JSON.parse((await runOk('go', ['mod', 'download', '-json', `${mod}@${moduleVersion}`], { cwd: ROOT })).stdout);
  const dest = path.join(GEN, 'pulumi-kubernetes-provider');
  const stampFile = path.join(dest, '.verify-stamp');
  const want = `${moduleVersion} ${pluginVersion}`;
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === want) return;
  fs.rmSync(dest, { recursive: true, force: true });
  fs.cpSync(info.Dir, dest, { recursive: true });
  await runOk('chmod', ['-R', 'u+w', dest]);
  const cmd = path.join(dest, 'cmd', 'pulumi-resource-kubernetes');
  const schema = JSON.parse(fs.readFileSync(path.join(cmd, 'schema.json'), 'utf8'));
  schema.version = pluginVersion;
  fs.writeFileSync(path.join(cmd, 'schema-embed.json'), JSON.stringify(schema));
  fs.writeFileSync(path.join(cmd, 'terraform-mapping-embed.json'), JSON.stringify(JSON.parse(fs.readFileSync(path.join(cmd, 'terraform-mapping.json'), 'utf8'))));
  fs.writeFileSync(stampFile, want);
}

/** Module versions a go.mod requires (or replaces to), by module path. */
export function goModVersions(goMod: string): Map<string, string> {
  const out = new Map<string, string>();
  const text = goMod.replace(/\/\/.*$/gm, '');
  for (const m of text.matchAll(/^\s*(?:require\s+)?([\w./~-]+)\s+(v[\w.+-]+)\s*$/gm)) out.set(m[1], m[2]);
  // `replace X => X vN` pins win: they are what is built.
  for (const m of text.matchAll(/^\s*(?:replace\s+)?([\w./~-]+)\s+=>\s+([\w./~-]+)\s+(v[\w.+-]+)\s*$/gm)) out.set(m[1], m[3]);
  return out;
}

/** Problems with a tool's go.mod against the pinned versions (empty when it matches). */
export function pinProblems(t: ToolSpec): string[] {
  const file = path.join(ROOT, t.dir, 'go.mod');
  const have = goModVersions(fs.readFileSync(file, 'utf8'));
  const problems: string[] = [];
  for (const [mod, want] of Object.entries(t.requires)) {
    const got = have.get(mod);
    if (got !== want) problems.push(`${t.dir}/go.mod: ${mod} is ${got ?? 'not required'}; lib/images.ts pins ${want}`);
  }
  return problems;
}

function stamp(t: ToolSpec): string {
  const h = createHash('sha256');
  const dir = path.join(ROOT, t.dir);
  for (const f of fs.readdirSync(dir).sort()) {
    if (/\.(go|mod|sum)$/.test(f)) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  }
  h.update(JSON.stringify([t.binaries, t.tags, t.ldflags, process.version]));
  return h.digest('hex');
}

/** Builds a tool unless its binaries exist with the same stamp. Returns whether it built. */
export async function buildTool(t: ToolSpec, log: (s: string) => void): Promise<boolean> {
  const problems = pinProblems(t);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  await t.prepare?.();
  fs.mkdirSync(BIN, { recursive: true });
  const stampFile = path.join(BIN, `.${t.name}.stamp`);
  const want = stamp(t);
  const have = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8') : '';
  if (have === want && t.binaries.every((b) => fs.existsSync(path.join(BIN, b.out)))) return false;
  const started = Date.now();
  for (const b of t.binaries) {
    const args = ['build', '-trimpath', '-o', path.join(BIN, b.out)];
    if (t.tags) args.push('-tags', t.tags);
    args.push('-ldflags', ['-s', '-w', ...(t.ldflags ?? [])].join(' '));
    args.push(b.pkg);
    log(`building ${b.out} (${t.dir})…`);
    await runOk('go', args, { cwd: path.join(ROOT, t.dir), env: { ...process.env, GOFLAGS: '-mod=readonly' }, timeoutMs: 60 * 60_000 });
  }
  fs.writeFileSync(stampFile, want);
  log(`built ${t.name} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return true;
}

/**
 * The OpenTelemetry Collector Builder manifest of the collector we verify
 * with, derived from the package's component registry
 * (lib/collector/registry.ts): exactly the components the model can emit.
 */
export function builderManifest(): string {
  const byClass: Record<string, string[]> = {};
  for (const c of pkg.registeredComponents() as { class: string; gomod: string }[]) {
    const key = `${c.class}s`;
    const entry = `${c.gomod} ${COLLECTOR_VERSION}`;
    if (!(byClass[key] ?? []).includes(entry)) (byClass[key] ??= []).push(entry);
  }
  const doc: Record<string, unknown> = {
    dist: {
      module: 'otel-lgtm-k8s/verify/tools/otelcol',
      name: 'otelcol',
      description: 'otelcol-contrib with exactly the components otel-lgtm-k8s renders (generated from lib/collector/registry.ts)',
      version: COLLECTOR_VERSION.replace(/^v/, ''),
      output_path: '.',
    },
  };
  for (const cls of ['receivers', 'processors', 'exporters', 'extensions', 'connectors']) {
    if (byClass[cls]) doc[cls] = byClass[cls].map((gomod) => ({ gomod }));
  }
  return `# Generated by \`npm run verify -- --regenerate\` from lib/collector/registry.ts; do not edit.\n${stringify(doc, { lineWidth: 0 })}`;
}

/** Rewrites the collector's builder manifest and regenerates its sources (go.mod, go.sum, components.go). */
export async function regenerateCollector(log: (s: string) => void): Promise<void> {
  const dir = path.join(ROOT, 'verify', 'tools', 'otelcol');
  fs.writeFileSync(path.join(dir, 'builder-config.yaml'), builderManifest());
  log('regenerating verify/tools/otelcol from the registry…');
  await runOk(path.join(BIN, 'ocb'), ['--config', 'builder-config.yaml', '--skip-compilation'], { cwd: dir, timeoutMs: 30 * 60_000 });
}
