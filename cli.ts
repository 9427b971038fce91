#!/usr/bin/env node
/**
 * The command line (`npx otel-lgtm-k8s …`, package.json `bin`): renders config
 * files without a clone of the repository. `render` is `npm run synth` with
 * the files and output directory as arguments (it calls the same `main()`);
 * `validate` loads, validates, builds and renders in memory with the same
 * functions, and writes nothing.
 *
 * Both run what `npm run synth` runs: build/synth.js, the synth bundled into
 * one file by `npm run build` (scripts/bundle.js), loaded only once the
 * arguments are parsed; `--help`, `--version` and usage errors load nothing
 * else. Without the bundle (the TypeScript sources under ts-jest, or a bare
 * tsc build) the same functions come from ./app.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import type * as App from './app';

export const USAGE = `Usage: otel-lgtm-k8s <command> -c <config.yaml> [-c <more.yaml>…] [options]

Renders the OpenTelemetry LGTM stack (Loki, Grafana, Tempo, Prometheus, OTel
collectors, kgateway telemetry policies) from config files into Kubernetes
manifests: one <layout>-<name>[-<cluster>].k8s.yaml per cluster, and beside it
a .prerequisites.txt listing the CRDs, Namespaces and Secrets to create first.

Commands:
  render      validate the config files and write the manifests (as npm run synth)
  validate    validate the config files and render them in memory; write nothing

Options:
  -c, --config <file>   a config file (YAML or JSON); repeat for several
  -o, --out <dir>       output directory of render (default: dist); files an
                        earlier render of the same deployment wrote there and
                        this one does not are removed (.otel-lgtm-k8s-files
                        records them), every other file is left alone
  -h, --help            show this help
  -v, --version         print the version

On an invalid config every problem is printed (field path, value, what is
allowed), nothing is written, and the exit status is 1; a usage error exits 2.
The config schema is schema/lgtm-config.schema.json in this package.
`;

/** Runs the command line (output on process.stdout and stderr, as main() prints); returns the exit status. */
export function run(argv: readonly string[]): number {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    return usageError((e as Error).message);
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const [command, ...extra] = positionals;
  if (command === undefined) return usageError('a command is required (render or validate)');
  if (command !== 'render' && command !== 'validate') return usageError(`unknown command "${command}" (render or validate)`);
  if (extra.length > 0) return usageError(`unexpected argument "${extra[0]}" (config files go after -c)`);
  const configs = values.config ?? [];
  if (configs.length === 0) return usageError('at least one config file is required (-c <file>)');
  // main() reads the list comma-separated, as LGTM_CONFIG does.
  const withComma = configs.find((f) => f.includes(','));
  if (withComma !== undefined) return usageError(`config file names must not contain "," (${withComma})`);
  if (command === 'validate' && values.out !== undefined) return usageError('validate writes nothing, so it takes no -o');

  const synth = synthModule();
  if (command === 'render') {
    const env = { ...process.env, LGTM_CONFIG: configs.join(','), CDK8S_OUTDIR: values.out ?? 'dist' };
    return synth.main(env);
  }
  return synth.validate(configs);
}

/** build/synth.js beside this file (the bundle `npm run build` writes), else the modules of ./app. */
function synthModule(): typeof App {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const bundle = path.join(__dirname, 'synth.js');
  if (fs.existsSync(bundle)) return require(bundle) as typeof App;
  return require('./app') as typeof App;
  /* eslint-enable @typescript-eslint/no-require-imports */
}

function usageError(message: string): number {
  process.stderr.write(`otel-lgtm-k8s: ${message}\nRun "otel-lgtm-k8s --help" for usage.\n`);
  return 2;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c', multiple: true },
      out: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

/** The version in package.json: beside this file in a source checkout, one level up from build/. */
function packageVersion(): string {
  const file = [path.join(__dirname, 'package.json'), path.join(__dirname, '..', 'package.json')].find((f) => fs.existsSync(f))!;
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

if (require.main === module) {
  process.exitCode = run(process.argv.slice(2));
}
