#!/usr/bin/env node
/**
 * Output-unchanged check for performance work: renders every example config
 * and generated fleet configs (scripts/fleet.js) with the compiled app and
 * compares the files byte for byte with another build's render.
 *
 *     node scripts/render-check.js record <dir> [--fleet 1,100] [--entry app.js]   # render this build into <dir>
 *     node scripts/render-check.js compare <dirA> <dirB>          # byte-for-byte comparison
 *     node scripts/render-check.js entries [--fleet 1,100]
 *         # renders with build/app.js (the plain tsc output) and with
 *         # build/synth.js (the bundle) and compares them
 *     node scripts/render-check.js --base <git-ref> [--fleet 1,100]
 *         # exports <git-ref> (git archive) to a temporary directory, builds it
 *         # with this checkout's node_modules, renders both and compares them
 *
 * A build renders with build/synth.js (what `npm run synth` runs) when it has
 * one, else with build/app.js; `--entry` picks the file. Run `npm run build`
 * first. Exits 1 on any difference, naming the file and the first differing line.
 */
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { writeFleet } = require('./fleet');

const ROOT = path.resolve(__dirname, '..');

function parseArgs(argv) {
  const opts = { fleet: [1, 100], positional: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--fleet') opts.fleet = argv[++i].split(',').map(Number);
    else if (argv[i] === '--base') opts.base = argv[++i];
    else if (argv[i] === '--entry') opts.entry = argv[++i];
    else opts.positional.push(argv[i]);
  }
  return opts;
}

/** The file a build synthesizes with: build/synth.js when it has one, else build/app.js (or `entry`). */
function entryOf(root, entry) {
  if (entry) return path.join(root, 'build', entry);
  const synth = path.join(root, 'build', 'synth.js');
  return fs.existsSync(synth) ? synth : path.join(root, 'build', 'app.js');
}

/** Renders the examples (the default configs) and every fleet size with the build's entry into `<dir>/<set>/`. */
function record(root, dir, fleet, entry) {
  const app = entryOf(root, entry);
  if (!fs.existsSync(app)) throw new Error(`${app} not found: build first`);
  fs.mkdirSync(dir, { recursive: true });
  const cfgdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-render-check-'));
  try {
    const sets = [['examples', undefined], ...fleet.map((n) => [`fleet-${n}`, writeFleet(n, path.join(cfgdir, `fleet-${n}.yaml`))])];
    for (const [name, config] of sets) {
      const env = { ...process.env, CDK8S_OUTDIR: path.join(dir, name) };
      if (config) env.LGTM_CONFIG = config;
      else delete env.LGTM_CONFIG;
      // The examples are found relative to the app (build/../examples), so both builds render their own examples.
      const r = spawnSync(process.execPath, [app], { cwd: root, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`render of ${name} with ${app} failed:\n${r.stderr}`);
    }
  } finally {
    fs.rmSync(cfgdir, { recursive: true, force: true });
  }
}

function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/** Differences between two rendered trees (empty when byte-identical). */
function compare(a, b) {
  const fa = listFiles(a);
  const fb = listFiles(b);
  const problems = [];
  const sb = new Set(fb);
  const sa = new Set(fa);
  for (const f of fa) if (!sb.has(f)) problems.push(`only in ${a}: ${f}`);
  for (const f of fb) if (!sa.has(f)) problems.push(`only in ${b}: ${f}`);
  let bytes = 0;
  for (const f of fa.filter((x) => sb.has(x))) {
    const x = fs.readFileSync(path.join(a, f));
    const y = fs.readFileSync(path.join(b, f));
    bytes += x.length;
    if (!x.equals(y)) {
      const lx = x.toString('utf8').split('\n');
      const ly = y.toString('utf8').split('\n');
      let i = 0;
      while (i < Math.max(lx.length, ly.length) && lx[i] === ly[i]) i++;
      problems.push(`${f} differs at line ${i + 1}:\n  - ${lx[i]}\n  + ${ly[i]}`);
    }
  }
  return { files: fa.length, bytes, problems };
}

function report(a, b) {
  const { files, bytes, problems } = compare(a, b);
  if (problems.length > 0) {
    console.error(`render differs (${problems.length} problem(s)):\n${problems.join('\n')}`);
    return 1;
  }
  console.log(`identical: ${files} files, ${bytes} bytes (${a} vs ${b})`);
  return 0;
}

/** Exports a git ref into a temporary directory and builds it with this checkout's node_modules. */
function buildRef(ref) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-base-'));
  const tar = execFileSync('git', ['-C', ROOT, 'archive', '--format=tar', ref], { maxBuffer: 512 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: dir, stdio: 'inherit' });
  return dir;
}

function main(argv) {
  const opts = parseArgs(argv);
  if (opts.base) {
    const base = buildRef(opts.base);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-render-'));
    try {
      record(base, path.join(out, 'base'), opts.fleet);
      record(ROOT, path.join(out, 'head'), opts.fleet);
      return report(path.join(out, 'base'), path.join(out, 'head'));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
      fs.rmSync(base, { recursive: true, force: true });
    }
  }
  const [cmd, ...rest] = opts.positional;
  if (cmd === 'entries' && rest.length === 0) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-render-'));
    try {
      record(ROOT, path.join(out, 'app'), opts.fleet, 'app.js');
      record(ROOT, path.join(out, 'synth'), opts.fleet, 'synth.js');
      return report(path.join(out, 'app'), path.join(out, 'synth'));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }
  if (cmd === 'record' && rest.length === 1) {
    record(ROOT, path.resolve(rest[0]), opts.fleet, opts.entry);
    console.log(`recorded ${listFiles(path.resolve(rest[0])).length} files into ${rest[0]}`);
    return 0;
  }
  if (cmd === 'compare' && rest.length === 2) return report(path.resolve(rest[0]), path.resolve(rest[1]));
  console.error('usage: render-check.js record <dir> [--fleet 1,100] [--entry app.js] | compare <dirA> <dirB> | entries [--fleet 1,100] | --base <git-ref> [--fleet 1,100]');
  return 2;
}

module.exports = { record, compare, entryOf };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
