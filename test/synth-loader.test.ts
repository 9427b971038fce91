import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const LOADER = path.resolve(__dirname, '..', 'scripts', 'synth-loader.js');

/**
 * Runs `require('<dir>/synth.js')` in a fresh node process (a code cache is
 * read at load) and reports how the bundle was compiled and what it exports.
 */
function load(dir: string, opts: { writeCache?: boolean } = {}): { codeCache: string; answer: unknown } {
  const loader = path.join(dir, 'synth.js');
  const code = `
    const m = require(${JSON.stringify(loader)});
    const mod = require.cache[require.resolve(${JSON.stringify(loader)})];
    if (${opts.writeCache === true}) require('fs').writeFileSync(mod.cacheFile, Buffer.concat([mod.cacheHeader, mod.script.createCachedData()]));
    process.stdout.write(JSON.stringify({ codeCache: mod.codeCache, answer: m.answer() }));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, OTEL_LGTM_K8S_CODE_CACHE: opts.writeCache ? 'off' : '' } });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe('the synth loader (build/synth.js) and its code cache', () => {
  let dir: string;
  const bundle = (answer: string) => fs.writeFileSync(path.join(dir, 'synth-bundle.js'), `exports.answer = () => ${answer};\nexports.main = () => 0;\n`);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-loader-'));
    fs.copyFileSync(LOADER, path.join(dir, 'synth.js'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN no cache WHEN loaded THEN the bundle is compiled from its source and its exports are the loader\'s', () => {
    bundle('"first"');
    expect(load(dir)).toEqual({ codeCache: 'none', answer: 'first' });
  });

  test('GIVEN a cache made from this bundle WHEN loaded in a new process THEN V8 uses it and the bundle behaves the same', () => {
    bundle('"first"');
    expect(load(dir, { writeCache: true })).toEqual({ codeCache: 'none', answer: 'first' });
    expect(fs.existsSync(path.join(dir, 'synth-bundle.cache'))).toBe(true);
    expect(load(dir)).toEqual({ codeCache: 'used', answer: 'first' });
  });

  test('GIVEN a cache made from an older bundle of the same size WHEN loaded THEN the cache is not used and the new code runs', () => {
    bundle('"first"');
    load(dir, { writeCache: true });
    // Same length, other code, a later modification time: the header no longer names this file.
    const file = path.join(dir, 'synth-bundle.js');
    const before = fs.statSync(file);
    bundle('"other"');
    fs.utimesSync(file, before.atime, new Date(before.mtimeMs + 5000));
    expect(fs.statSync(file).size).toBe(before.size);
    expect(load(dir)).toEqual({ codeCache: 'none', answer: 'other' });
  });

  test('GIVEN a cache whose data V8 refuses WHEN loaded THEN the bundle is compiled from its source', () => {
    bundle('"first"');
    load(dir, { writeCache: true });
    const cache = path.join(dir, 'synth-bundle.cache');
    const data = fs.readFileSync(cache);
    const header = data.subarray(0, data.indexOf(10) + 1);
    fs.writeFileSync(cache, Buffer.concat([header, Buffer.alloc(data.length - header.length, 7)]));
    expect(load(dir)).toEqual({ codeCache: 'rejected', answer: 'first' });
  });

  test('GIVEN the built synth WHEN loaded THEN it uses the cache the build wrote, or there is no build to check', () => {
    const built = path.resolve(__dirname, '..', 'build', 'synth.js');
    if (!fs.existsSync(path.resolve(__dirname, '..', 'build', 'synth-bundle.cache'))) return;
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(built)}); process.stdout.write(require.cache[require.resolve(${JSON.stringify(built)})].codeCache)`], { encoding: 'utf8' });
    expect(r.stdout).toBe('used');
  });
});
