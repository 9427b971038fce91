#!/usr/bin/env node
/**
 * Consumer tests (`npm run test:consumers`, run by .ci/run): the package as
 * users meet it. `npm pack`, then fresh projects under the temp directory
 * install the tarball:
 *
 *   cdk8s-app   shaped like `cdk8s init typescript-app` (CommonJS, the
 *               template's tsconfig: classic resolution, no skipLibCheck)
 *   cdk8s-esm   the same as an ES module project (module/moduleResolution node16)
 *   pulumi-app  shaped like Pulumi's TypeScript templates, runs LgtmStack
 *               under Pulumi's mocks (pulumi.runtime.setMocks)
 *   cli         `npx` the command line from the tarball on an example config
 *   git         `npm install git+file://<this repo>#HEAD` with strict-allow-scripts:
 *               `prepare` must build the package (once, not per set)
 *
 * each with two sets of versions: the newest constructs, cdk8s,
 * cdk8s-plus-28, typescript, @pulumi/pulumi and @pulumi/kubernetes the
 * registry serves, and the lowest versions of the ranges package.json declares
 * (peerDependencies). The code the projects compile and run is the README's,
 * cut out of README.md at run time (`<!-- consumer-test: <project> <file> -->`
 * before a code block). Every project must hold exactly one copy of
 * constructs and cdk8s.
 *
 * Usage: node consumers/run.js [--sets newest,lowest] [--projects cdk8s-app,cdk8s-esm,pulumi-app,cli,git] [--keep]
 * npm's cache (~/.npm) is reused; everything else lives in one temp
 * directory, removed at the end unless --keep.
 */
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const FIXTURES = __dirname;
/** `cdk8s init typescript-app` pins this TypeScript (cdk8s-cli 2.207 template); the newest set also type-checks with it, since TypeScript 7 has no classic resolution. */
const CDK8S_TEMPLATE_TYPESCRIPT = '5.9';
/** The oldest TypeScript the package supports (README: "TypeScript 5.0 or newer"); the lowest set compiles with its first release. */
const MIN_TYPESCRIPT = '5.0';
const ALL_SETS = ['newest', 'lowest'];
const ALL_PROJECTS = ['cdk8s-app', 'cdk8s-esm', 'pulumi-app', 'cli', 'git'];

// ---------------------------------------------------------------- plumbing

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? undefined : args[i + 1];
};
const SETS = (opt('sets') ?? ALL_SETS.join(',')).split(',');
const PROJECTS = (opt('projects') ?? ALL_PROJECTS.join(',')).split(',');
const KEEP = args.includes('--keep');
for (const s of SETS) if (!ALL_SETS.includes(s)) throw new Error(`unknown set ${s}`);
for (const p of PROJECTS) if (!ALL_PROJECTS.includes(p)) throw new Error(`unknown project ${p}`);

const started = Date.now();
const elapsed = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const results = [];
const log = (line) => process.stdout.write(`${line}\n`);

class CheckFailed extends Error {}

function assert(cond, message) {
  if (!cond) throw new CheckFailed(message);
}

/** Runs a command; throws with the tail of its output unless it exits with `expect` (default 0; 'any' accepts every status). */
function sh(cmd, argv, { cwd, env, expect = 0, input } = {}) {
  const r = spawnSync(cmd, argv, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  const out = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  if (expect !== 'any' && r.status !== expect) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-40).join('\n');
    throw new CheckFailed(`${cmd} ${argv.join(' ')} (in ${cwd ?? process.cwd()}) exited ${r.status}, expected ${expect}:\n${tail}`);
  }
  return out;
}

const npm = (argv, opts) => sh('npm', argv, opts);
const quietInstall = ['--no-audit', '--no-fund', '--loglevel=error'];

/** One named check; failures are collected so every project reports. */
function step(set, project, what, fn) {
  const t0 = Date.now();
  try {
    const detail = fn();
    results.push({ set, project, what, ok: true });
    log(`ok    ${set.padEnd(6)} ${project.padEnd(10)} ${what}${detail ? ` — ${detail}` : ''} (${elapsed(t0)})`);
    return true;
  } catch (e) {
    results.push({ set, project, what, ok: false });
    log(`FAIL  ${set.padEnd(6)} ${project.padEnd(10)} ${what} (${elapsed(t0)})\n${indent(e instanceof CheckFailed ? e.message : e.stack)}`);
    return false;
  }
}

const indent = (text) =>
  String(text)
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');

function compareVersions(a, b) {
  const pa = a.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    return pa[i] < pb[i] ? -1 : 1;
  }
  return 0;
}

/** The versions of `name` the registry serves in `range` (no prereleases), oldest first. */
function versionsIn(name, range) {
  const out = npm(['view', `${name}@${range}`, 'version', '--json']).stdout.trim();
  const v = out === '' ? [] : JSON.parse(out);
  return (Array.isArray(v) ? v : [v]).filter((x) => !x.includes('-')).sort(compareVersions);
}

function readYamlDocs(file) {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS());
}

function writeFile(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function copyDir(from, to) {
  fs.cpSync(from, to, { recursive: true });
}

// ---------------------------------------------------------------- README

/** The README's code blocks marked `<!-- consumer-test: <project> <file> -->`. */
function readmeBlocks(readme) {
  const re = /<!-- consumer-test: (\S+) (\S+) -->\n```\w*\n([\s\S]*?)```/g;
  const blocks = [];
  for (const m of readme.matchAll(re)) blocks.push({ project: m[1], file: m[2], code: m[3] });
  return blocks;
}

// ---------------------------------------------------------------- tarball

/** Every relative link target of a Markdown text (no URLs, no in-page anchors). */
function relativeLinks(markdown) {
  const targets = new Set();
  for (const m of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
    const t = m[1].split('#')[0];
    if (t === '' || /^[a-z]+:/i.test(t)) continue;
    targets.add(t);
  }
  return [...targets];
}

/** The .d.ts files reachable from an entry point, and the packages they import. */
function declarationImports(entry) {
  const seen = new Set();
  const packages = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
      const spec = m[1];
      if (spec.startsWith('.')) {
        const base = path.resolve(path.dirname(file), spec);
        const next = [`${base}.d.ts`, path.join(base, 'index.d.ts')].find((f) => fs.existsSync(f));
        assert(next, `${path.relative(path.dirname(entry), file)} imports ${spec}, which is not in the tarball`);
        visit(next);
      } else packages.add(spec);
    }
  };
  visit(entry);
  return { files: seen.size, packages: [...packages].sort() };
}

function checkTarball(pkgDir) {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(path.relative(pkgDir, p));
    }
  };
  walk(pkgDir);
  const required = [
    'package.json',
    'README.md',
    'LICENSE',
    'build/index.js',
    'build/index.d.ts',
    'build/pulumi/index.js',
    'build/pulumi/index.d.ts',
    'build/cli.js',
    'schema/lgtm-config.schema.json',
    'examples/single-node.yaml',
    'examples/per-cluster.yaml',
    'examples/multi-cluster.yaml',
  ];
  for (const f of required) assert(files.includes(f), `the tarball lacks ${f}`);
  const stray = files.filter((f) => f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.startsWith('test/') || f.startsWith('consumers/'));
  assert(stray.length === 0, `the tarball holds files users have no use for: ${stray.join(', ')}`);
  const mapped = files.filter((f) => f.endsWith('.js') && fs.readFileSync(path.join(pkgDir, f), 'utf8').includes('sourceMappingURL'));
  assert(mapped.length === 0, `source map references to files not in the tarball: ${mapped.slice(0, 5).join(', ')}`);
  assert(fs.readFileSync(path.join(pkgDir, 'build/cli.js'), 'utf8').startsWith('#!/usr/bin/env node\n'), 'build/cli.js lacks its #! line');
  const license = fs.readFileSync(path.join(pkgDir, 'LICENSE'), 'utf8');
  assert(license.includes('Apache License') && license.includes('Version 2.0, January 2004'), 'LICENSE is not the Apache-2.0 text');
  const missing = relativeLinks(fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8')).filter((t) => !fs.existsSync(path.join(pkgDir, t)));
  assert(missing.length === 0, `README.md links to files not in the tarball: ${missing.join(', ')}`);
  // A cdk8s-only app loads the main entry's declarations: they may import the peers only, and TypeBox,
  // whose types the public option schemas (LOKI_OPTIONS, …, issue 13) are; a dependency, installed with the package.
  const main = declarationImports(path.join(pkgDir, 'build/index.d.ts'));
  const allowed = ['constructs', 'cdk8s', 'cdk8s-plus-28', '@sinclair/typebox'];
  const foreign = main.packages.filter((p) => !allowed.includes(p));
  assert(foreign.length === 0, `the main entry's declarations import ${foreign.join(', ')} (only ${allowed.join(', ')} may be imported)`);
  const pulumi = declarationImports(path.join(pkgDir, 'build/pulumi/index.d.ts'));
  const pulumiForeign = pulumi.packages.filter((p) => ![...allowed, '@pulumi/pulumi', '@pulumi/kubernetes'].includes(p));
  assert(pulumiForeign.length === 0, `the pulumi entry's declarations import ${pulumiForeign.join(', ')}`);
  const p = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  for (const peer of ['constructs', 'cdk8s', 'cdk8s-plus-28', '@pulumi/pulumi', '@pulumi/kubernetes']) {
    assert(p.peerDependencies?.[peer] && !p.dependencies?.[peer], `${peer} must be a peer dependency, not a dependency`);
  }
  for (const peer of ['@pulumi/pulumi', '@pulumi/kubernetes']) assert(p.peerDependenciesMeta?.[peer]?.optional === true, `${peer} must be an optional peer`);
  return `${files.length} files; main entry: ${main.files} declaration files importing ${main.packages.join(', ')}`;
}

// ---------------------------------------------------------------- projects

/** Exactly one copy of constructs and of cdk8s in the project's node_modules. */
function singleCopies(dir) {
  const nodes = JSON.parse(npm(['query', ':is(#constructs, #cdk8s, #cdk8s-plus-28)'], { cwd: dir }).stdout);
  const by = {};
  for (const n of nodes) (by[n.name] ??= []).push(`${n.version} at ${n.location}`);
  for (const name of ['constructs', 'cdk8s']) assert((by[name] ?? []).length === 1, `${name}: expected exactly one copy, found ${JSON.stringify(by[name] ?? [])}`);
  return Object.entries(by)
    .sort()
    .map(([k, v]) => `${k} ${v.map((x) => x.split(' ')[0]).join('+')}`)
    .join(', ');
}

/** Size of the production dependencies (what a user's app ships), in bytes and packages. */
function productionSize(dir) {
  const paths = npm(['ls', '--omit=dev', '--all', '--parseable'], { cwd: dir, expect: 'any' }).stdout.trim().split('\n').slice(1);
  let bytes = 0;
  const sizeOf = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') sizeOf(p);
      } else bytes += fs.lstatSync(p).size;
    }
  };
  for (const p of paths) if (fs.existsSync(p)) sizeOf(p);
  return { bytes, packages: paths.length };
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function installProject(dir, deps, devDeps) {
  const pkgFile = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  pkg.dependencies = { ...(pkg.dependencies ?? {}), ...deps };
  pkg.devDependencies = { ...(pkg.devDependencies ?? {}), ...devDeps };
  fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  npm(['install', ...quietInstall], { cwd: dir });
  const size = productionSize(dir);
  return `${size.packages} production packages, ${mb(size.bytes)}`;
}

function tsc(dir, tsconfig, compiler) {
  const bin = compiler ?? path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  sh(process.execPath, [bin, '-p', tsconfig], { cwd: dir });
}

/**
 * A type check of this package's resolution under one more moduleResolution:
 * errors in the project's files or in otel-lgtm-k8s fail it; errors inside
 * other packages' declarations (old Pulumi dependencies under some
 * TypeScript/mode pairs) are not this package's and are only counted.
 */
function tscResolution(dir, tsconfig, compiler) {
  const bin = compiler ?? path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = sh(process.execPath, [bin, '-p', tsconfig, '--pretty', 'false'], { cwd: dir, expect: 'any' });
  if (r.status === 0) return undefined;
  const errors = r.stdout.split('\n').filter((l) => /^\S.*\(\d+,\d+\): error TS\d+/.test(l));
  const thirdParty = errors.filter((l) => l.startsWith('node_modules/') && !l.startsWith('node_modules/otel-lgtm-k8s/'));
  const ours = errors.filter((l) => !thirdParty.includes(l));
  assert(errors.length > 0, `tsc -p ${tsconfig} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  assert(ours.length === 0, ours.join('\n'));
  const pkgs = [...new Set(thirdParty.map((l) => l.split('/').slice(1, l.split('/')[1].startsWith('@') ? 3 : 2).join('/')))];
  return `${thirdParty.length} errors inside other packages' declarations, not this package's (${pkgs.join(', ')})`;
}

function tsVersion(compiler) {
  return sh(process.execPath, [compiler, '--version']).stdout.trim().replace(/^Version /, '');
}

/** kubernetes-models' class for a built-in apiVersion/kind. */
function modelClass(apiVersion, kind) {
  const models = require('kubernetes-models');
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === '') return models.v1?.[kind];
  const key = Object.keys(models).find((k) => k.toLowerCase() === group.replace(/[.-]/g, '').toLowerCase());
  return key ? models[key]?.[version]?.[kind] : undefined;
}

/** The checks every rendered file must pass: apply order, and the Kubernetes schemas for built-in kinds. */
function checkManifests(objects, file) {
  // Kept apart from the package's own list on purpose: the check must not trust the code it checks.
  const groups = ['', 'apps', 'batch', 'autoscaling', 'policy', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'storage.k8s.io', 'scheduling.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io'];
  const builtIn = (o) => groups.includes(o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '');
  assert(objects.length > 0 && objects[0].kind === 'Namespace', `${file}: the first object is ${objects[0]?.kind}, not the Namespace`);
  const firstCustom = objects.findIndex((o) => !builtIn(o));
  if (firstCustom >= 0) assert(objects.slice(firstCustom).every((o) => !builtIn(o)), `${file}: a built-in kind follows a custom resource`);
  for (const o of objects.filter(builtIn)) {
    const Cls = modelClass(o.apiVersion, o.kind);
    assert(Cls, `${file}: no schema for ${o.apiVersion} ${o.kind}`);
    try {
      new Cls(o).validate();
    } catch (e) {
      throw new CheckFailed(`${file}: ${o.kind}/${o.metadata.name} fails the Kubernetes schema: ${e.message}`);
    }
  }
}

const kinds = (objects) => {
  const m = new Map();
  for (const o of objects) m.set(o.kind, (m.get(o.kind) ?? 0) + 1);
  return Object.fromEntries([...m.entries()].sort());
};

/** A config equivalent to the README's whole-stack example, with the schema line the README documents. */
const EQUIVALENT_CONFIG = `# yaml-language-server: $schema=../node_modules/otel-lgtm-k8s/schema/lgtm-config.schema.json
layout: per-cluster
clusterName: prod
loki: { retention: 744h }
prometheus: { retention: { time: 15d } }
gatewayPolicies:
  gateways: [{ name: http, namespace: kgateway-system }]
`;

/** The outputs of the README's two cdk8s examples (dist/), checked against what `otel-lgtm-k8s render` makes of the equivalent config. */
function checkCdk8sOutputs(dir) {
  // `cdk8s synth` writes construct order, and the README's whole-stack example creates its NetworkPolicies after
  // the components (issue 12), so after the custom resources: put in apply order with the package's
  // orderForApply, as the README tells users to, it must be exactly what the command line renders.
  const { orderForApply } = require(require.resolve('otel-lgtm-k8s', { paths: [dir] }));
  const whole = orderForApply(readYamlDocs(path.join(dir, 'dist', 'observability.k8s.yaml')));
  checkManifests(whole, 'observability.k8s.yaml');
  const rendered = readYamlDocs(path.join(dir, 'rendered', 'per-cluster.k8s.yaml'));
  assert(JSON.stringify(whole) === JSON.stringify(rendered), 'the README whole-stack example, in apply order, does not render the same objects as the per-cluster layout of the equivalent config');
  const k = kinds(whole);
  // kgateway 2.2 (the default kgatewayVersion) takes ListenerPolicy (issue 12).
  const want = { Namespace: 1, StatefulSet: 3, Deployment: 4, DaemonSet: 1, ListenerPolicy: 2, ReferenceGrant: 2 };
  for (const [kind, n] of Object.entries(want)) assert(k[kind] === n, `observability.k8s.yaml: ${k[kind] ?? 0} ${kind}, expected ${n}`);
  const promConfig = whole.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config');
  assert(promConfig, 'no prometheus-config ConfigMap');
  const jobs = YAML.parse(Object.values(promConfig.data)[0]).scrape_configs.map((j) => j.job_name);
  for (const job of ['prometheus', 'loki', 'tempo', 'grafana']) assert(jobs.includes(job), `Prometheus does not scrape ${job} (jobs: ${jobs.join(', ')})`);
  const dashboards = whole.filter((o) => o.kind === 'ConfigMap' && Object.keys(o.data ?? {}).some((f) => f.endsWith('.json')));
  assert(dashboards.length >= 4, `only ${dashboards.length} dashboard ConfigMaps`);
  const rules = whole.filter((o) => o.kind === 'ConfigMap' && Object.values(o.data ?? {}).some((t) => typeof t === 'string' && /^groups:/m.test(t)));
  assert(rules.length >= 4, `only ${rules.length} alert rule ConfigMaps`);

  const logs = readYamlDocs(path.join(dir, 'dist', 'logs.k8s.yaml'));
  checkManifests(logs, 'logs.k8s.yaml');
  assert(logs[0].metadata.name === 'logs' && logs[0].metadata.labels['pod-security.kubernetes.io/enforce'] === 'restricted', 'logs.k8s.yaml: not the restricted logs Namespace first');
  assert(logs.some((o) => o.kind === 'StatefulSet' && o.metadata.name === 'loki' && o.metadata.namespace === 'logs'), 'logs.k8s.yaml: no Loki StatefulSet in namespace logs');
  assert(logs.some((o) => o.kind === 'Deployment' && o.metadata.name === 'grafana'), 'logs.k8s.yaml: no Grafana Deployment');
  const ds = logs.filter((o) => o.kind === 'ConfigMap').flatMap((o) => Object.values(o.data ?? {})).find((t) => typeof t === 'string' && t.includes('datasources:'));
  assert(ds && ds.includes('http://loki.logs.svc'), 'logs.k8s.yaml: Grafana has no Loki data source pointing at loki.logs.svc');
  assert(!logs.some((o) => o.metadata.name === 'prometheus'), 'logs.k8s.yaml: renders a Prometheus it was not asked for');
  return `${whole.length} objects ${JSON.stringify(k)} = render of the equivalent config; ${logs.length} objects in the own-wiring chart`;
}

/** The `# yaml-language-server: $schema=` line the README documents resolves from node_modules and the schema checks the config. */
function checkSchemaLine(dir, configFile) {
  const first = fs.readFileSync(configFile, 'utf8').split('\n')[0];
  const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
  assert(m, `${configFile}: no schema line`);
  const schemaFile = path.resolve(path.dirname(configFile), m[1]);
  assert(fs.existsSync(schemaFile), `the schema line points at ${schemaFile}, which does not exist`);
  const Ajv = require(require.resolve('ajv', { paths: [path.join(dir, 'node_modules', 'otel-lgtm-k8s')] }));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
  const config = YAML.parse(fs.readFileSync(configFile, 'utf8'));
  assert(validate(config), `the schema rejects the config: ${JSON.stringify(validate.errors)}`);
  assert(!validate({ ...config, loki: { retension: '30d' } }), 'the schema accepts a misspelt field');
  return path.relative(dir, schemaFile);
}

function cdk8sProject(set, v, work, tarball, blocks, esm) {
  const project = esm ? 'cdk8s-esm' : 'cdk8s-app';
  const dir = path.join(work, set, project);
  copyDir(path.join(FIXTURES, project), dir);
  for (const b of blocks.filter((x) => x.project === 'cdk8s')) writeFile(path.join(dir, b.file), b.code);
  writeFile(path.join(dir, 'clusters', 'prod.yaml'), EQUIVALENT_CONFIG);
  const deps = { 'otel-lgtm-k8s': `file:${tarball}`, constructs: v.constructs, cdk8s: v.cdk8s, 'cdk8s-plus-28': v['cdk8s-plus-28'] };
  if (!step(set, project, `install tarball + constructs ${v.constructs}, cdk8s ${v.cdk8s}, cdk8s-plus-28 ${v['cdk8s-plus-28']}, typescript ${v.typescript}`, () => installProject(dir, deps, { typescript: v.typescript }))) return;
  step(set, project, 'one copy of constructs and cdk8s (npm query)', () => singleCopies(dir));
  const mode = esm ? 'module/moduleResolution node16' : 'module CommonJS, template defaults';
  const compiled = step(set, project, `tsc ${v.typescript} (${mode}, no skipLibCheck)`, () => tsc(dir, 'tsconfig.json'));
  if (esm) {
    step(set, project, `tsc ${v.typescript} --noEmit, moduleResolution nodenext`, () => tscResolution(dir, 'tsconfig.nodenext.json'));
    step(set, project, `tsc ${v.typescript} --noEmit, moduleResolution bundler`, () => tscResolution(dir, 'tsconfig.bundler.json'));
  } else if (v.classicCompiler) {
    step(set, project, `tsc ${tsVersion(v.classicCompiler)} (cdk8s template's TypeScript) --noEmit, classic resolution`, () => tsc(dir, 'tsconfig.json', v.classicCompiler));
  }
  if (!compiled) return;
  step(set, project, 'synth the README examples (node main.js, node logs.js)', () => {
    sh(process.execPath, ['main.js'], { cwd: dir, env: { CDK8S_OUTDIR: 'dist' } });
    sh(process.execPath, ['logs.js'], { cwd: dir, env: { CDK8S_OUTDIR: 'dist' } });
  });
  step(set, project, 'schema line from node_modules checks the config', () => checkSchemaLine(dir, path.join(dir, 'clusters', 'prod.yaml')));
  step(set, project, 'npx otel-lgtm-k8s render of the equivalent config (installed bin)', () => {
    sh('npx', ['--no-install', 'otel-lgtm-k8s', 'validate', '-c', 'clusters/prod.yaml'], { cwd: dir });
    sh('npx', ['--no-install', 'otel-lgtm-k8s', 'render', '-c', 'clusters/prod.yaml', '-o', 'rendered'], { cwd: dir });
  });
  step(set, project, 'validate the output', () => checkCdk8sOutputs(dir));
}

function pulumiProject(set, v, work, tarball, blocks) {
  const project = 'pulumi-app';
  const dir = path.join(work, set, project);
  copyDir(path.join(FIXTURES, project), dir);
  for (const b of blocks.filter((x) => x.project === 'pulumi')) writeFile(path.join(dir, b.file), b.code);
  // The newest set lets npm add the cdk8s peers itself, as the README's Pulumi install line does.
  const peers = set === 'lowest' ? { constructs: v.constructs, cdk8s: v.cdk8s, 'cdk8s-plus-28': v['cdk8s-plus-28'] } : {};
  const deps = { 'otel-lgtm-k8s': `file:${tarball}`, '@pulumi/pulumi': v['@pulumi/pulumi'], '@pulumi/kubernetes': v['@pulumi/kubernetes'], ...peers };
  // @pulumi/pulumi declares which TypeScript it takes (a peer range); npm refuses anything newer.
  const tsRange = JSON.parse(npm(['view', `@pulumi/pulumi@${v['@pulumi/pulumi']}`, 'peerDependencies', '--json']).stdout || '{}').typescript ?? '*';
  const ts = set === 'newest' ? versionsIn('typescript', tsRange).pop() : v.typescript;
  const tsNote = ts === v.typescript ? '' : ` (the newest @pulumi/pulumi ${v['@pulumi/pulumi']} accepts: "${tsRange}")`;
  const what = `install tarball + @pulumi/pulumi ${v['@pulumi/pulumi']}, @pulumi/kubernetes ${v['@pulumi/kubernetes']}, typescript ${ts}${tsNote}${set === 'lowest' ? ', lowest cdk8s peers' : ''}`;
  if (!step(set, project, what, () => installProject(dir, deps, { typescript: ts }))) return;
  step(set, project, 'one copy of constructs and cdk8s (npm query)', () => singleCopies(dir));
  const compiled = step(set, project, `tsc ${ts} (Pulumi template: nodenext, no skipLibCheck; both entry points from CommonJS and an ES module)`, () => tsc(dir, 'tsconfig.json'));
  step(set, project, `tsc ${ts} --noEmit, both entry points, moduleResolution bundler`, () => tscResolution(dir, 'tsconfig.bundler.json'));
  // TypeScript 6 deprecates and 7 removes moduleResolution node; use the TypeScript cdk8s init pins for it then.
  const classic = ts.startsWith('5.') ? path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc') : v.classicCompiler;
  step(set, project, `tsc ${tsVersion(classic)} --noEmit, both entry points, moduleResolution node (classic)`, () => tscResolution(dir, 'tsconfig.node10.json', classic));
  step(set, project, 'both entry points load from an ES module (node)', () => {
    const code = "import { LgtmStack } from 'otel-lgtm-k8s/pulumi'; import { Loki, TelemetryBackends } from 'otel-lgtm-k8s'; if (typeof LgtmStack !== 'function' || typeof Loki !== 'function' || typeof TelemetryBackends !== 'function') process.exit(3);";
    sh(process.execPath, ['--input-type=module', '-e', code], { cwd: dir });
  });
  if (!compiled) return;
  step(set, project, 'run the README program under pulumi.runtime.setMocks', () => {
    const { stdout } = sh(process.execPath, ['bin/test.js'], { cwd: dir });
    const { outputs, registered } = JSON.parse(stdout.trim().split('\n').pop());
    const stacks = registered.filter((r) => r.type === 'otel-lgtm-k8s:index:LgtmStack');
    assert(stacks.length === 1, `${stacks.length} LgtmStack components registered`);
    const objects = registered.filter((r) => r.type.startsWith('kubernetes:') && r.type !== 'pulumi:providers:kubernetes');
    const types = kinds(objects.map((o) => ({ kind: o.type })));
    assert(objects.length >= 50, `only ${objects.length} Kubernetes resources registered: ${JSON.stringify(types)}`);
    const wrongProvider = objects.filter((o) => !String(o.provider).includes('prod-eu-1'));
    assert(wrongProvider.length === 0, `${wrongProvider.length} resources not on the prod-eu-1 provider, e.g. ${wrongProvider[0]?.name}`);
    assert(objects.some((o) => o.name === 'prod-eu-1:namespace:telemetry'), 'no Namespace telemetry');
    assert(objects.some((o) => o.type === 'kubernetes:core/v1:Secret' && o.inputs.metadata.name === 'grafana-admin'), 'the Grafana admin Secret was not created from the secret config');
    // kgateway 2.2 (the default kgatewayVersion) takes ListenerPolicy (issue 12).
    assert(objects.filter((o) => o.type === 'kubernetes:gateway.kgateway.dev/v1alpha1:ListenerPolicy').length === 2, 'not two ListenerPolicies');
    assert(JSON.stringify(outputs.grafana) === JSON.stringify({ name: 'grafana', namespace: 'telemetry', port: 3000 }), `grafana output ${JSON.stringify(outputs.grafana)}`);
    assert(/^otel-agent\.telemetry\.svc/.test(outputs.otlp?.grpc ?? ''), `otlp output ${JSON.stringify(outputs.otlp)}`);
    return `${objects.length} Kubernetes resources on the cluster's provider; outputs ${JSON.stringify(outputs)}`;
  });
  realEngine(set, project, dir, work);
}

/**
 * The same compiled program deployed by the real Pulumi engine (the CLI and
 * provider `npm run verify` builds, a real API server), with the project's own
 * @pulumi/pulumi and @pulumi/kubernetes: up, the server holds what synth
 * renders, destroy. Without the built engine the step is skipped, unless
 * LGTM_REQUIRE_ENGINE=1 (CI) makes that a failure.
 */
function realEngine(set, project, dir, work) {
  const runner = path.join(ROOT, '.verify', 'js', 'consumer-pulumi.js');
  const built = fs.existsSync(runner) && fs.existsSync(path.join(ROOT, '.verify', 'bin', 'pulumi')) && fs.existsSync(path.join(ROOT, '.verify', 'bin', 'pulumi-resource-kubernetes'));
  const what = 'the README program deployed by the real Pulumi engine (up; the API server holds what synth renders; destroy)';
  if (!built && process.env.LGTM_REQUIRE_ENGINE !== '1') {
    log(`skip  ${set.padEnd(6)} ${project.padEnd(10)} ${what}: the engine is not built (npm run verify -- --build-only builds it)`);
    return;
  }
  step(set, project, what, () => {
    if (!built) throw new CheckFailed(`${runner} or the Pulumi CLI and provider in .verify/bin are missing: run npm run verify -- --build-only first`);
    const { stdout } = sh(process.execPath, [runner, dir, path.join(work, set, 'pulumi-engine'), `consumer ${project} (${set})`]);
    const lines = stdout.trim().split('\n');
    return lines.filter((l) => l.startsWith('ok ')).map((l) => l.replace(/^ok\s+/, '')).join('; ');
  });
}

/** npm exec's install directories (one per package spec). */
function npxDirs() {
  const dir = path.join(npm(['config', 'get', 'cache']).stdout.trim(), '_npx');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((d) => path.join(dir, d)) : [];
}

function cliProject(set, v, work, tarball, pkgDir) {
  const project = 'cli';
  const dir = path.join(work, set, project);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(pkgDir, 'examples', 'per-cluster.yaml'), path.join(dir, 'per-cluster.yaml'));
  fs.writeFileSync(path.join(dir, 'bad.yaml'), 'layout: per-cluster\nclusterName: c\nloki: { retension: 30d }\n');
  let cli;
  let created = [];
  if (set === 'newest') {
    // No project at all: `npx --package <tarball> otel-lgtm-k8s …` installs it with its peers into npm's cache.
    cli = (argv, opts) => sh('npx', ['--yes', `--package=${tarball}`, '--', 'otel-lgtm-k8s', ...argv], { cwd: dir, ...opts });
    const before = new Set(npxDirs());
    if (!step(set, project, 'npx --package <tarball> otel-lgtm-k8s --help', () => void assert(cli(['--help']).stdout.includes('render'), 'no usage'))) return;
    created = npxDirs().filter((d) => !before.has(d));
    step(set, project, "one copy of constructs and cdk8s in npx's install (npm query)", () => {
      assert(created.length === 1, `expected one new npx install directory, found ${created.length}`);
      return singleCopies(created[0]);
    });
  } else {
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
    const deps = { 'otel-lgtm-k8s': `file:${tarball}`, constructs: v.constructs, cdk8s: v.cdk8s, 'cdk8s-plus-28': v['cdk8s-plus-28'] };
    if (!step(set, project, `install tarball + lowest peers`, () => installProject(dir, deps, {}))) return;
    step(set, project, 'one copy of constructs and cdk8s (npm query)', () => singleCopies(dir));
    cli = (argv, opts) => sh('npx', ['--no-install', 'otel-lgtm-k8s', ...argv], { cwd: dir, ...opts });
  }
  try {
    step(set, project, 'render an example config: same files as npm run synth', () => {
      const printed = cli(['render', '-c', 'per-cluster.yaml', '-o', 'out/']).stdout;
      const synth = path.join(dir, 'synth');
      sh(process.execPath, [path.join(ROOT, 'build', 'app.js')], { cwd: dir, env: { LGTM_CONFIG: path.join(dir, 'per-cluster.yaml'), CDK8S_OUTDIR: synth } });
      const all = fs.readdirSync(path.join(dir, 'out')).sort();
      assert(JSON.stringify(all) === JSON.stringify(fs.readdirSync(synth).sort()), `render wrote ${all.join(', ')}, npm run synth ${fs.readdirSync(synth).join(', ')}`);
      assert(all[0] === '.otel-lgtm-k8s-files', `no record of the files written (.otel-lgtm-k8s-files) in ${all.join(', ')}`);
      const names = all.slice(1);
      assert(JSON.stringify(names) === JSON.stringify(['per-cluster-prod.k8s.yaml', 'per-cluster-prod.prerequisites.txt']), `unexpected files ${names.join(', ')}`);
      const objects = readYamlDocs(path.join(dir, 'out', names[0]));
      checkManifests(objects, names[0]);
      assert(JSON.stringify(objects) === JSON.stringify(readYamlDocs(path.join(synth, names[0]))), 'the manifests differ from npm run synth');
      assert(fs.readFileSync(path.join(dir, 'out', names[1]), 'utf8') === fs.readFileSync(path.join(synth, names[1]), 'utf8'), 'the prerequisites differ from npm run synth');
      const pre = YAML.parse(fs.readFileSync(path.join(dir, 'out', names[1]), 'utf8'));
      assert(pre.secrets.some((s) => s.name === 'grafana-admin'), 'the prerequisites do not list the Grafana admin Secret');
      assert(pre.customResourceDefinitions.some((c) => c.name === 'httplistenerpolicies.gateway.kgateway.dev'), 'the prerequisites do not list the HTTPListenerPolicy CRD');
      return printed.trim().split('\n').pop();
    });
    step(set, project, 'a bad config: exit 1, the field named, nothing written', () => {
      const v1 = cli(['validate', '-c', 'bad.yaml'], { expect: 1 });
      assert(v1.stderr.includes('loki.retension') && v1.stderr.includes('Nothing was written.'), `stderr: ${v1.stderr}`);
      const r1 = cli(['render', '-c', 'bad.yaml', '-o', 'out-bad/'], { expect: 1 });
      assert(r1.stderr.includes('loki.retension'), `stderr: ${r1.stderr}`);
      assert(!fs.existsSync(path.join(dir, 'out-bad')), 'render wrote out-bad/ for a bad config');
      cli(['render'], { expect: 2 });
      return v1.stderr.trim().split('\n')[1].trim();
    });
  } finally {
    for (const d of created) fs.rmSync(d, { recursive: true, force: true });
  }
}

/**
 * `npm install git+file://<repo>#HEAD` under strict-allow-scripts: the clone's
 * `prepare` must build the package. The install takes minutes (npm installs
 * the package's dev dependencies in the clone to build it), so it starts in the
 * background right after `npm pack` and is checked at the end.
 */
function startGitInstall(work) {
  const head = sh('git', ['rev-parse', 'HEAD'], { cwd: ROOT, expect: 'any' });
  if (head.status !== 0) return { skipped: `${ROOT} is not a git checkout` };
  const sha = head.stdout.trim();
  const dirty = sh('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT }).stdout.trim() !== '';
  const spec = `git+file://${ROOT}#${sha}`;
  const dir = path.join(work, 'git');
  fs.mkdirSync(dir, { recursive: true });
  // The approval a project needs under strict-allow-scripts, keyed by the spec it installs (README "From git").
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ private: true, allowScripts: { [spec]: true } }, null, 2)}\n`);
  const logFile = path.join(work, 'git-install.log');
  const out = fs.openSync(logFile, 'w');
  const t0 = Date.now();
  // Its own process group, so that an aborted run can stop npm and the install npm runs in the clone.
  const child = spawn('npm', ['install', ...quietInstall, '--strict-allow-scripts', spec], { cwd: dir, stdio: ['ignore', out, out], detached: true });
  const done = new Promise((resolve) => child.on('exit', (code) => resolve({ code, seconds: elapsed(t0) })));
  return { dir, sha, dirty, logFile, child, done };
}

async function finishGitInstall(git) {
  const set = 'newest';
  const project = 'git';
  log('\n== git install');
  if (git.skipped) {
    log(`skip  ${set.padEnd(6)} ${project.padEnd(10)} ${git.skipped}`);
    return;
  }
  const { code, seconds } = await git.done;
  const what = `npm install --strict-allow-scripts git+file://…#${git.sha.slice(0, 7)}${git.dirty ? ' (HEAD: uncommitted changes are not in it)' : ''}, in the background, took ${seconds}`;
  if (!step(set, project, what, () => assert(code === 0, `exited ${code}:\n${fs.readFileSync(git.logFile, 'utf8').split('\n').slice(-30).join('\n')}`))) return;
  step(set, project, 'prepare built it: build/ present, the entry point and the command line load', () => {
    assert(fs.existsSync(path.join(git.dir, 'node_modules', 'otel-lgtm-k8s', 'build', 'index.js')), 'no build/index.js: prepare did not run');
    sh(process.execPath, ['-e', "const m = require('otel-lgtm-k8s'); if (typeof m.TelemetryBackends !== 'function') process.exit(3);"], { cwd: git.dir });
    return `otel-lgtm-k8s --version: ${sh('npx', ['--no-install', 'otel-lgtm-k8s', '--version'], { cwd: git.dir }).stdout.trim()}`;
  });
  step(set, project, 'one copy of constructs and cdk8s (npm query)', () => singleCopies(git.dir));
}

// ---------------------------------------------------------------- main

function resolveVersions(work) {
  const peers = PKG.peerDependencies;
  const names = ['constructs', 'cdk8s', 'cdk8s-plus-28', 'typescript', '@pulumi/pulumi', '@pulumi/kubernetes'];
  const sets = {};
  if (SETS.includes('newest')) {
    sets.newest = Object.fromEntries(names.map((n) => [n, npm(['view', n, 'version']).stdout.trim()]));
    if (!sets.newest.typescript.startsWith(`${CDK8S_TEMPLATE_TYPESCRIPT}.`)) {
      // TypeScript 7 dropped moduleResolution node10: check classic resolution with the TypeScript cdk8s init pins.
      const v = versionsIn('typescript', `~${CDK8S_TEMPLATE_TYPESCRIPT}`).pop();
      const toolDir = path.join(work, 'tools', `typescript-${v}`);
      fs.mkdirSync(toolDir, { recursive: true });
      npm(['install', ...quietInstall, '--prefix', toolDir, `typescript@${v}`]);
      sets.newest.classicCompiler = path.join(toolDir, 'node_modules', 'typescript', 'bin', 'tsc');
    }
  }
  if (SETS.includes('lowest')) {
    sets.lowest = Object.fromEntries(
      names.map((n) => {
        const range = n === 'typescript' ? `~${MIN_TYPESCRIPT}` : peers[n];
        if (!range) throw new Error(`package.json declares no peer range for ${n}`);
        const v = versionsIn(n, range)[0];
        if (!v) throw new Error(`the registry serves no version of ${n} in ${range}`);
        return [n, v];
      }),
    );
  }
  return sets;
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-consumers-'));
  log(`consumer tests of ${PKG.name}@${PKG.version} in ${work}`);
  let git;
  try {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const blocks = readmeBlocks(readme);
    const wanted = ['cdk8s main.ts', 'cdk8s logs.ts', 'pulumi index.ts'];
    const found = blocks.map((b) => `${b.project} ${b.file}`);
    for (const w of wanted) if (!found.includes(w)) throw new Error(`README.md has no code block marked <!-- consumer-test: ${w} -->`);
    if (!readme.includes(`TypeScript ${MIN_TYPESCRIPT} or newer`)) throw new Error(`README.md does not say "TypeScript ${MIN_TYPESCRIPT} or newer", the oldest TypeScript tested here`);

    let tarball;
    let pkgDir;
    const packed = step('-', 'tarball', 'npm pack (prepare builds)', () => {
      const out = npm(['pack', '--pack-destination', work, '--json'], { cwd: ROOT }).stdout;
      const name = JSON.parse(out.slice(out.indexOf('[\n')))[0].filename;
      tarball = path.join(work, name);
      pkgDir = path.join(work, 'tarball');
      fs.mkdirSync(pkgDir);
      sh('tar', ['xzf', tarball, '-C', pkgDir, '--strip-components=1']);
      return `${name}, ${mb(fs.statSync(tarball).size)}`;
    });
    if (!packed) return 1;
    git = PROJECTS.includes('git') ? startGitInstall(work) : undefined;
    step('-', 'tarball', 'contents: README links, schema, examples, LICENSE, no dangling source maps, public types', () => checkTarball(pkgDir));

    const sets = resolveVersions(work);
    for (const [set, v] of Object.entries(sets)) {
      const shown = Object.entries(v)
        .filter(([k]) => k !== 'classicCompiler')
        .map(([k, x]) => `${k} ${x}`)
        .join(', ');
      log(`\n== ${set}: ${shown}`);
      if (PROJECTS.includes('cdk8s-app')) cdk8sProject(set, v, work, tarball, blocks, false);
      if (PROJECTS.includes('cdk8s-esm')) cdk8sProject(set, v, work, tarball, blocks, true);
      if (PROJECTS.includes('pulumi-app')) pulumiProject(set, v, work, tarball, blocks);
      if (PROJECTS.includes('cli')) cliProject(set, v, work, tarball, pkgDir);
    }
    if (git) await finishGitInstall(git);
  } finally {
    if (git?.child && git.child.exitCode === null) {
      process.kill(-git.child.pid);
      await git.done;
    }
    if (KEEP) log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok);
  log(`\n${results.length - failed.length} of ${results.length} consumer checks passed in ${elapsed(started)}${failed.length ? `; FAILED: ${failed.map((f) => `${f.set}/${f.project}: ${f.what}`).join('; ')}` : ''}`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    log(e.stack);
    process.exitCode = 1;
  },
);
