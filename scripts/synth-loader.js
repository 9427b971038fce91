#!/usr/bin/env node
/**
 * build/synth.js — copied there by scripts/bundle.js; what `npm run synth`,
 * `npx cdk8s synth` and the command line run. It loads the synth bundle,
 * ./synth-bundle.js, as a CommonJS module and, run as a program, calls its
 * `main()`.
 *
 * When the build left a V8 code cache of the bundle beside it
 * (./synth-bundle.cache, written by scripts/code-cache.js after a synth of
 * the examples) and the cache belongs to this very bundle file (its header
 * names the bundle's size and modification time), the bundle is compiled with
 * it: V8 then reuses the bytecode of the functions a synth runs instead of
 * parsing and compiling them again, a fifth of a one-cluster synth. V8 itself
 * refuses a cache made by another V8 version or with other flags; either way
 * the bundle is then compiled from its source, as without a cache. The cache
 * changes how fast the code is compiled, never what it does.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { createRequire, wrap } = require('module');

const BUNDLE = path.join(__dirname, 'synth-bundle.js');
const CACHE = path.join(__dirname, 'synth-bundle.cache');

/** The cache file's first line: the bundle it was made from. */
function cacheHeader(stat) {
  return Buffer.from(`otel-lgtm-k8s synth code cache 1 ${stat.size} ${stat.mtimeMs}\n`);
}

/** The cached data for the bundle as it is now, or undefined. */
function readCache(stat) {
  let data;
  try {
    data = fs.readFileSync(CACHE);
  } catch {
    return undefined;
  }
  const header = cacheHeader(stat);
  return data.length > header.length && data.subarray(0, header.length).equals(header) ? data.subarray(header.length) : undefined;
}

/** Compiles (with the cache unless `useCache` is false) and runs the bundle as a CommonJS module. */
function loadBundle(useCache) {
  const stat = fs.statSync(BUNDLE);
  const cachedData = useCache ? readCache(stat) : undefined;
  const script = new vm.Script(wrap(fs.readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData });
  const mod = { exports: {}, id: BUNDLE, filename: BUNDLE, loaded: false };
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(BUNDLE), mod, BUNDLE, __dirname);
  mod.loaded = true;
  return { exports: mod.exports, script, header: cacheHeader(stat), codeCache: cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used' };
}

// OTEL_LGTM_K8S_CODE_CACHE=off compiles from the source alone (scripts/code-cache.js makes the cache so).
const loaded = loadBundle(process.env.OTEL_LGTM_K8S_CODE_CACHE !== 'off');
module.exports = loaded.exports;
// For scripts/code-cache.js and the checks (through require.cache): how the bundle was compiled — with the
// build's code cache ('used'), without one ('none') or refused by V8 ('rejected') — the script, and the
// header that ties a cache to this bundle file.
Object.assign(module, { codeCache: loaded.codeCache, script: loaded.script, cacheHeader: loaded.header, cacheFile: CACHE });

if (require.main === module) process.exitCode = module.exports.main();
