#!/usr/bin/env node
/**
 * Writes the V8 code cache of the synth bundle (build/synth-bundle.cache, see
 * scripts/synth-loader.js): compiles the bundle from its source, renders every
 * example config with it in memory (so the cache holds the bytecode of what a
 * synth runs), then saves V8's cached data behind a header naming the bundle
 * file. `npm run build` runs it after scripts/bundle.js; in a fresh process,
 * `node build/synth.js` must then report the cache as used, or the cache is
 * removed (a synth without it is only slower).
 *
 *     node scripts/code-cache.js [build dir]
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function writeCodeCache(buildDir = path.resolve(__dirname, '..', 'build')) {
  const loader = path.join(buildDir, 'synth.js');
  process.env.OTEL_LGTM_K8S_CODE_CACHE = 'off';
  const synth = require(loader);
  const mod = require.cache[require.resolve(loader)];
  const examples = path.resolve(buildDir, '..', 'examples');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-code-cache-'));
  const write = process.stdout.write;
  try {
    process.stdout.write = () => true;
    const files = fs.readdirSync(examples).filter((f) => f.endsWith('.yaml')).map((f) => path.join(examples, f));
    const status = synth.main({ LGTM_CONFIG: files.join(','), CDK8S_OUTDIR: out });
    if (status !== 0) throw new Error(`the synth of the examples exited ${status}`);
  } finally {
    process.stdout.write = write;
    fs.rmSync(out, { recursive: true, force: true });
  }
  const data = mod.script.createCachedData();
  fs.writeFileSync(mod.cacheFile, Buffer.concat([mod.cacheHeader, data]));
  const check = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(loader)}); process.stdout.write(require.cache[require.resolve(${JSON.stringify(loader)})].codeCache)`], { encoding: 'utf8', env: { ...process.env, OTEL_LGTM_K8S_CODE_CACHE: '' } });
  if (check.stdout !== 'used') {
    fs.rmSync(mod.cacheFile, { force: true });
    console.warn(`scripts/code-cache.js: V8 did not take the code cache (${check.stdout || check.stderr.trim()}); left without one`);
    return undefined;
  }
  return { file: mod.cacheFile, bytes: data.length };
}

module.exports = { writeCodeCache };

if (require.main === module) writeCodeCache(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
