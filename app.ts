/**
 * The cdk8s entry point. Renders one YAML file per cluster into the output
 * directory (`dist/` unless CDK8S_OUTDIR says otherwise).
 *
 * Which configurations: the reference configurations in `examples/`
 * (single-node, per-cluster, multi-cluster), or the comma-separated config
 * files named by the LGTM_CONFIG environment variable:
 *
 *     LGTM_CONFIG=my-cluster.yaml npm run synth
 *
 * Every config is validated, and every chart built and rendered in memory,
 * before anything is written. On any error nothing is written and the
 * process exits non-zero: 1 with every problem of every file (file, config
 * path, value, what is allowed), 2 for an internal error (its message, never
 * a stack trace).
 */
import * as path from 'path';
import { ValidationError } from './lib/validation';
import { loadConfigFile, SourcedConfig } from './stacks/load';
import { buildApp, chartPrefix, checkRendered } from './stacks/build';
import { renderApp, writeRendered } from './stacks/render';

export function defaultConfigFiles(): string[] {
  const dir = path.resolve(__dirname, '..', 'examples');
  return ['single-node.yaml', 'per-cluster.yaml', 'multi-cluster.yaml'].map((f) => path.join(dir, f));
}

export function main(env: NodeJS.ProcessEnv = process.env): number {
  try {
    return synth(env);
  } catch (e) {
    if (e instanceof ValidationError) {
      process.stderr.write(`${e.message}\nNothing was written.\n`);
      return 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`Internal error (a bug in otel-lgtm-k8s; please report it): ${message.split('\n')[0].slice(0, 500)}\nNothing was written.\n`);
    return 2;
  }
}

function synth(env: NodeJS.ProcessEnv): number {
  // Files are read relative to the working directory and named in messages as the user wrote them.
  const files = env.LGTM_CONFIG ? env.LGTM_CONFIG.split(',').map((f) => f.trim()).filter((f) => f !== '') : defaultConfigFiles();
  if (files.length === 0) {
    throw new ValidationError([{ field: 'LGTM_CONFIG', value: env.LGTM_CONFIG, allowed: 'one or more config file paths, separated by commas' }], 'the environment');
  }
  const outdir = path.resolve(env.CDK8S_OUTDIR ?? 'dist');
  // Every file is read and validated before any is built, and all their problems are reported together.
  const configs: SourcedConfig[] = [];
  const errors: ValidationError[] = [];
  for (const f of files) {
    try {
      configs.push(loadConfigFile(f));
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      errors.push(e);
    }
  }
  if (errors.length > 0) {
    process.stderr.write(`${errors.map((e) => e.message).join('\n')}\nNothing was written.\n`);
    return 1;
  }
  const app = buildApp(configs);
  const rendered = renderApp(app);
  const sourceOf = new Map(configs.map((c) => [chartPrefix(c.config), c.source]));
  for (const r of rendered) checkRendered(r.objects, r.fileName, sourceOf.get(r.deployment!) ?? configs[0].source);
  const { removed } = writeRendered(rendered, outdir);
  for (const r of rendered) {
    const kinds = new Map<string, number>();
    for (const o of r.objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    const summary = [...kinds.entries()].sort().map(([k, n]) => `${n} ${k}`).join(', ');
    process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(outdir, r.fileName))}: ${r.objects.length} objects (${summary})\n`);
    const p = r.prerequisites.items;
    const needs = [count(p.customResourceDefinitions.length, 'CRD'), count(p.namespaces.length, 'Namespace'), count(p.secrets.length, 'Secret')].join(', ');
    process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(outdir, r.prerequisites.fileName))}: to create first, ${needs}\n`);
  }
  for (const p of removed) process.stdout.write(`removed ${path.relative(process.cwd(), p)}: an earlier render of the same deployment wrote it, this one does not\n`);
  return 0;
}

/**
 * Validates config files and renders them in memory, writing nothing (the
 * command line's `validate`): prints what each file would hold and returns 0,
 * or prints every problem and returns 1. Errors other than invalid
 * configuration propagate.
 */
export function validate(files: readonly string[]): number {
  try {
    const rendered = renderApp(buildApp(files.map((f) => loadConfigFile(path.resolve(f)))));
    for (const r of rendered) process.stdout.write(`valid: ${r.fileName} would hold ${r.objects.length} objects\n`);
    return 0;
  } catch (e) {
    if (e instanceof ValidationError) {
      process.stderr.write(`${e.message}\nNothing was written.\n`);
      return 1;
    }
    throw e;
  }
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

if (require.main === module) {
  process.exitCode = main();
}
