#!/usr/bin/env node
/**
 * Bundles the synth entry point (build/app.js: `main`, and `validate` for
 * the command line) into one file, build/synth-bundle.js, and puts its loader
 * (scripts/synth-loader.js) beside it as build/synth.js, which `npm run
 * synth`, `npx cdk8s synth`, the command line (`otel-lgtm-k8s
 * render|validate`, build/cli.js loads it) and the benchmark run; the loader
 * compiles the bundle with the V8 code cache scripts/code-cache.js writes
 * next. Loading the compiled package file by file costs a one-cluster synth
 * about a fifth of its time in module resolution alone (some 200 modules:
 * path lookups, stat and package.json reads, one compile per file); the
 * bundle is one file. build/app.js stays the plain tsc output (the library
 * and the tests use it); both render byte-identical files
 * (scripts/render-check.js compares them).
 *
 * Two substitutions, both on what the synth loads and not on what it renders:
 * - `cdk8s-plus-28`: the package uses only its `k8s` L1 classes; the bundle
 *   holds the declarations the compiled package uses, extracted unchanged
 *   from cdk8s-plus-28/lib/imports/k8s.js (scripts/l1-subset.js), instead of
 *   the whole 2.7 MB module and the L2 library.
 * - `yaml`: every `yaml` import resolves to the copy cdk8s bundles, which
 *   lib/yaml picks at run time outside the bundle (one YAML library).
 * The Grafana SDK (prebuilt dashboards) and Pulumi stay outside the bundle.
 * cdk8s and constructs are inside it: the command line and `npm run synth`
 * render with the versions the package was built with (those of
 * package-lock.json), whatever peer versions the installing project has; the
 * library (build/index.js) uses the project's peers.
 * The build fails if the bundle would contain any of the modules it avoids.
 *
 *     node scripts/bundle.js [build dir]
 */
const fs = require('fs');
const path = require('path');
const { subset } = require('./l1-subset');

const ROOT = path.resolve(__dirname, '..');

/** Modules the synth bundle must not contain. */
const AVOIDED = [
  { re: /^node_modules\/yaml\//, what: "the package's own yaml (cdk8s's copy is the one)" },
  { re: /cdk8s-plus-28\/lib\/imports\/k8s\.js$/, what: 'the whole cdk8s-plus-28 L1 module' },
  { re: /cdk8s-plus-28\/lib\/index\.js$/, what: 'the cdk8s-plus-28 L2 library' },
  { re: /node_modules\/ajv\/dist\/(ajv|core)\.js$/, what: "ajv's schema compiler" },
  { re: /@grafana\/grafana-foundation-sdk/, what: 'the Grafana SDK' },
  { re: /@pulumi\//, what: 'Pulumi' },
];

async function bundle(buildDir = path.join(ROOT, 'build')) {
  const esbuild = require('esbuild');
  const cdk8sDir = path.dirname(require.resolve('cdk8s/package.json', { paths: [ROOT] }));
  const cdk8sYaml = require.resolve('yaml', { paths: [cdk8sDir] });
  const l1 = subset();
  const l1Full = l1.from;

  const plugin = {
    name: 'synth',
    setup(b) {
      b.onResolve({ filter: /^cdk8s-plus-28$/ }, () => ({ path: 'cdk8s-plus-28', namespace: 'l1' }));
      b.onLoad({ filter: /.*/, namespace: 'l1' }, () => ({
        contents: 'exports.k8s = require("./k8s.js");',
        resolveDir: path.dirname(l1Full),
        loader: 'js',
      }));
      b.onResolve({ filter: /^\.\/k8s\.js$/ }, (args) => (args.resolveDir === path.dirname(l1Full) && args.namespace === 'l1' ? { path: 'k8s-l1.js', namespace: 'l1-subset' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'l1-subset' }, () => ({ contents: l1.source, resolveDir: path.dirname(l1Full), loader: 'js' }));
      b.onResolve({ filter: /^yaml$/ }, () => ({ path: cdk8sYaml }));
      b.onLoad({ filter: /[\\/]lib[\\/]yaml\.js$/ }, (args) =>
        args.path === path.join(buildDir, 'lib', 'yaml.js') ? { contents: 'exports.yaml = require("yaml");', loader: 'js', resolveDir: path.dirname(args.path) } : undefined,
      );
    },
  };

  const out = path.join(buildDir, 'synth-bundle.js');
  const result = await esbuild.build({
    stdin: {
      contents: 'module.exports = require("./app.js");',
      resolveDir: buildDir,
      sourcefile: 'synth-entry.js',
      loader: 'js',
    },
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // No source map: the package ships none (a .map file beside it would be left out of the tarball, its reference dangling).
    sourcemap: false,
    external: ['@grafana/grafana-foundation-sdk', '@grafana/grafana-foundation-sdk/*', '@pulumi/*'],
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'warning',
    plugins: [plugin],
  });
  const inputs = Object.keys(result.metafile.inputs);
  const problems = [];
  for (const { re, what } of AVOIDED) {
    const hits = inputs.filter((i) => re.test(i));
    if (hits.length > 0) problems.push(`${what}: ${hits.slice(0, 3).join(', ')}${hits.length > 3 ? ', …' : ''}`);
  }
  if (problems.length > 0) {
    fs.rmSync(out, { force: true });
    throw new Error(`the synth bundle would contain modules the synth must not load:\n  ${problems.join('\n  ')}`);
  }
  // The entry point: the loader (which runs main() as a program); a cache of an older bundle is left behind no more.
  fs.copyFileSync(path.join(__dirname, 'synth-loader.js'), path.join(buildDir, 'synth.js'));
  fs.rmSync(path.join(buildDir, 'synth-bundle.cache'), { force: true });
  return { out, inputs: inputs.length, l1: l1.kept.length, bytes: fs.statSync(out).size };
}

module.exports = { bundle };

if (require.main === module) {
  bundle(process.argv[2] ? path.resolve(process.argv[2]) : undefined).catch((e) => {
    console.error(e.message ?? e);
    process.exit(1);
  });
}
