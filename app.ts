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
 * before anything is written; on any error nothing is written and the process
 * exits non-zero with the message (field path, value, what is allowed).
 */
import * as path from 'path';
import { ValidationError } from './lib/validation';
import { loadConfigFile } from './stacks/load';
import { buildApp } from './stacks/build';
import { renderApp, writeRendered } from './stacks/render';

export function defaultConfigFiles(): string[] {
  const dir = path.resolve(__dirname, '..', 'examples');
  return ['single-node.yaml', 'per-cluster.yaml', 'multi-cluster.yaml'].map((f) => path.join(dir, f));
}

export function main(env: NodeJS.ProcessEnv = process.env): number {
  const files = env.LGTM_CONFIG ? env.LGTM_CONFIG.split(',').map((f) => path.resolve(f.trim())) : defaultConfigFiles();
  const outdir = path.resolve(env.CDK8S_OUTDIR ?? 'dist');
  try {
    const configs = files.map((f) => loadConfigFile(f));
    const app = buildApp(configs);
    const rendered = renderApp(app);
    writeRendered(rendered, outdir);
    for (const r of rendered) {
      const kinds = new Map<string, number>();
      for (const o of r.objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
      const summary = [...kinds.entries()].sort().map(([k, n]) => `${n} ${k}`).join(', ');
      process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(outdir, r.fileName))}: ${r.objects.length} objects (${summary})\n`);
      const p = r.prerequisites.items;
      const needs = [count(p.customResourceDefinitions.length, 'CRD'), count(p.namespaces.length, 'Namespace'), count(p.secrets.length, 'Secret')].join(', ');
      process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(outdir, r.prerequisites.fileName))}: to create first, ${needs}\n`);
    }
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
