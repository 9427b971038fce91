/**
 * The consumer tests' Pulumi project deployed by the real engine (issue 14):
 *
 *     node .verify/js/consumer-pulumi.js <project dir> <work dir> <label>
 *
 * The project (installed from the packed tarball, its README program compiled
 * to bin/index.js) runs with its own `@pulumi/pulumi` and `@pulumi/kubernetes`
 * against a real API server, with the Pulumi CLI and provider that
 * `npm run verify -- --build-only` built. Prints one line per check and
 * `verify: N checks, F failed`; exits 1 on any failure.
 */
import * as fs from 'fs';
import * as path from 'path';
import { deployReadmeProgram } from './checks-pulumi';
import { Report } from './report';

async function main(): Promise<number> {
  const [projectDir, workDir, label] = process.argv.slice(2);
  if (!projectDir || !workDir || !label) {
    process.stderr.write('usage: node .verify/js/consumer-pulumi.js <project dir> <work dir> <label>\n');
    return 2;
  }
  const dir = path.resolve(projectDir);
  fs.rmSync(workDir, { recursive: true, force: true });
  const r = new Report();
  await r.guard(`pulumi ${label}`, () => deployReadmeProgram(r, path.resolve(workDir), { dir, main: path.join('bin', 'index.js'), nodeModules: path.join(dir, 'node_modules'), label }));
  process.stdout.write(`${r.summary()}\n`);
  return r.failed === 0 && r.total > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
