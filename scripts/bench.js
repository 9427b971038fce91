#!/usr/bin/env node
/**
 * Synth benchmark (`npm run bench`). For each layout (the examples) and for
 * fleets of 1, 10, 100 and 1,000 workload clusters (scripts/fleet.js):
 *
 * - whole process: `node build/app.js` with LGTM_CONFIG=<config> — wall time
 *   (min / median / max of repeated runs) and peak RSS;
 * - floor, in the same run and interleaved with it: a process that loads only
 *   the YAML library and writes the same objects to the same files
 *   (scripts/bench/floor.js; its files are checked byte for byte against the
 *   synth's) — and the ratio synth / floor of the medians;
 * - in process (no process start, warm): read + validate + build + render,
 *   against the serialisation of the same objects alone, and their ratio;
 * - the Pulumi path: registering the deployment under mocks (per-cluster and
 *   fleets), in fresh processes.
 *
 * Prints a table, checks the targets of issue 15 and writes JSON
 * (default bench/latest.json).
 *
 *     node scripts/bench.js [--runs N] [--quick] [--build DIR --label TEXT] [--out FILE] [--no-pulumi]
 *       --quick      fleets 1, 10 and 100 only and fewer runs (a smoke run; not a record)
 *       --build DIR  benchmark another compiled build (e.g. an older commit's); --label names it in the record
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { writeFleet } = require('./fleet');
const { compare, entryOf } = require('./render-check');

const ROOT = path.resolve(__dirname, '..');
const BENCH = path.join(__dirname, 'bench');

function parseArgs(argv) {
  const o = { runs: undefined, quick: false, build: path.join(ROOT, 'build'), out: path.join(ROOT, 'bench', 'latest.json'), pulumi: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--quick') o.quick = true;
    else if (a === '--build') o.build = path.resolve(argv[++i]);
    else if (a === '--out') o.out = path.resolve(argv[++i]);
    else if (a === '--no-pulumi') o.pulumi = false;
    else if (a === '--label') o.label = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stats = (xs) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs), runs: xs });

/** Runs a node process with the probe preloaded; returns wall time (measured here), and the probe's peak RSS and CPU. */
function timedNode(args, env, tmp) {
  const probeOut = path.join(tmp, `probe-${process.hrtime.bigint()}.json`);
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', path.join(BENCH, 'probe.js'), ...args], {
    cwd: ROOT,
    env: { ...env, BENCH_PROBE_OUT: probeOut },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const p = JSON.parse(fs.readFileSync(probeOut, 'utf8'));
  fs.rmSync(probeOut);
  return { wallMs, rssMiB: p.maxRssKiB / 1024, cpuMs: p.cpuMs };
}

function nodeJson(args) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function benchCase(c, o, tmp) {
  const dir = path.join(tmp, c.name);
  fs.mkdirSync(dir, { recursive: true });
  const objects = path.join(dir, 'objects.json');
  const inproc = nodeJson([path.join(BENCH, 'inproc.js'), o.build, c.config, objects, String(c.reps)]);
  const env = { ...process.env, LGTM_CONFIG: c.config };
  const synth = [];
  const floor = [];
  for (let i = 0; i < c.runs; i++) {
    const synthOut = path.join(dir, `synth-${i}`);
    const floorOut = path.join(dir, `floor-${i}`);
    // Interleaved, so both see the same machine load.
    synth.push(timedNode([o.entry], { ...env, CDK8S_OUTDIR: synthOut }, tmp));
    floor.push(timedNode([path.join(BENCH, 'floor.js'), objects, floorOut], process.env, tmp));
    if (i === 0) {
      const diff = compare(synthOut, floorOut);
      if (diff.problems.length > 0) throw new Error(`${c.name}: the floor did not write the synth's files:\n${diff.problems.slice(0, 5).join('\n')}`);
      c.outputBytes = diff.bytes;
    }
    fs.rmSync(synthOut, { recursive: true, force: true });
    fs.rmSync(floorOut, { recursive: true, force: true });
  }
  const s = stats(synth.map((x) => x.wallMs));
  const f = stats(floor.map((x) => x.wallMs));
  return {
    name: c.name,
    kind: c.kind,
    clusters: c.clusters,
    files: inproc.files,
    objects: inproc.objects,
    outputBytes: c.outputBytes,
    process: { wallMs: s, peakRssMiB: Math.max(...synth.map((x) => x.rssMiB)), cpuMsMedian: median(synth.map((x) => x.cpuMs)) },
    floor: { wallMs: f, peakRssMiB: Math.max(...floor.map((x) => x.rssMiB)), cpuMsMedian: median(floor.map((x) => x.cpuMs)) },
    processRatio: s.median / f.median,
    inProcess: { buildMs: inproc.buildMs, stringifyMs: inproc.stringifyMs, ratio: inproc.buildMs / inproc.stringifyMs, reps: inproc.reps },
  };
}

function benchPulumi(c, o, runs) {
  const rs = [];
  for (let i = 0; i < runs; i++) rs.push(nodeJson([path.join(BENCH, 'pulumi.js'), o.build, c.config]));
  return {
    name: c.name,
    clusters: c.clusters,
    resources: rs[0].resources,
    totalMs: stats(rs.map((r) => r.totalMs)),
    constructMsMedian: median(rs.map((r) => r.constructMs)),
    loadMsMedian: median(rs.map((r) => r.loadMs)),
    peakRssMiB: Math.max(...rs.map((r) => r.rssMiB)),
  };
}

function machine(o) {
  const cpus = os.cpus();
  let commit = '';
  try {
    commit = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
    if (spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).stdout.trim() !== '') commit += ' (modified)';
  } catch {
    /* not a git checkout */
  }
  // A build benchmarked from elsewhere is named by its label, not by this checkout's commit.
  if (o.build !== path.join(ROOT, 'build')) commit = o.label ?? `build at ${o.build}`;
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    commit,
  };
}

const ms = (x) => (x >= 10000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`);

function table(results, pulumi) {
  const rows = [['case', 'files', 'objects', 'synth min / median / max', 'peak RSS', 'floor median', 'floor RSS', 'synth/floor', 'in-process', 'stringify', 'ratio']];
  for (const r of results) {
    rows.push([
      r.name,
      String(r.files),
      String(r.objects),
      `${ms(r.process.wallMs.min)} / ${ms(r.process.wallMs.median)} / ${ms(r.process.wallMs.max)}`,
      `${r.process.peakRssMiB.toFixed(0)} MiB`,
      ms(r.floor.wallMs.median),
      `${r.floor.peakRssMiB.toFixed(0)} MiB`,
      `${r.processRatio.toFixed(2)}×`,
      ms(r.inProcess.buildMs),
      ms(r.inProcess.stringifyMs),
      `${r.inProcess.ratio.toFixed(2)}×`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  if (pulumi.length > 0) {
    out.push('', 'Pulumi path (LgtmStack under mocks, fresh process each run; registration until settled)');
    for (const p of pulumi) out.push(`  ${p.name.padEnd(14)} ${String(p.resources).padStart(6)} resources  ${ms(p.totalMs.min)} / ${ms(p.totalMs.median)} / ${ms(p.totalMs.max)}  (construct ${ms(p.constructMsMedian)}, load ${ms(p.loadMsMedian)}, peak RSS ${p.peakRssMiB.toFixed(0)} MiB)`);
  }
  return out.join('\n');
}

function targets(results, pulumi) {
  const by = Object.fromEntries(results.map((r) => [r.name, r]));
  const t = [];
  const pc = by['per-cluster'];
  if (pc) {
    t.push({ target: 'per-cluster whole process ≤ 1.6× floor', value: `${pc.processRatio.toFixed(2)}×`, met: pc.processRatio <= 1.6 });
    t.push({ target: 'per-cluster whole process median ≤ 0.35 s', value: ms(pc.process.wallMs.median), met: pc.process.wallMs.median <= 350 });
    t.push({ target: 'library: per-cluster in-process ≤ 3× stringify', value: `${pc.inProcess.ratio.toFixed(2)}×`, met: pc.inProcess.ratio <= 3 });
  }
  const f1000 = by['fleet-1000'];
  const f100 = by['fleet-100'];
  if (f1000) {
    t.push({ target: 'fleet 1,000 ≤ 10 s', value: ms(f1000.process.wallMs.median), met: f1000.process.wallMs.median <= 10000 });
    t.push({ target: 'fleet 1,000 peak RSS ≤ 1 GiB', value: `${f1000.process.peakRssMiB.toFixed(0)} MiB`, met: f1000.process.peakRssMiB <= 1024 });
  }
  if (f1000 && f100) {
    const r = f1000.process.wallMs.median / f100.process.wallMs.median;
    t.push({ target: 'fleet time(1,000) / time(100) ≤ 12', value: `${r.toFixed(2)}`, met: r <= 12 });
  }
  const p = Object.fromEntries(pulumi.map((x) => [x.name, x]));
  if (p['fleet-10'] && p['fleet-100']) {
    // Linear: the time grows no faster than the resources registered. Fastest runs, the least disturbed by other load.
    const r = p['fleet-100'].totalMs.min / p['fleet-10'].totalMs.min;
    const res = p['fleet-100'].resources / p['fleet-10'].resources;
    t.push({ target: `Pulumi (report, linear): fastest time(100)/time(10) ≤ resources ×${res.toFixed(1)}`, value: `${r.toFixed(2)}`, met: r <= res * 1.2 });
  }
  return t;
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(o.build, 'app.js'))) {
    console.error(`${path.join(o.build, 'app.js')} not found: run \`npm run build\` first`);
    return 2;
  }
  // What `npm run synth` runs: the bundle when the build has one (older builds: app.js).
  o.entry = entryOf(path.dirname(o.build));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-bench-'));
  const started = new Date();
  const loadBefore = os.loadavg();
  try {
    const examples = path.join(ROOT, 'examples');
    const small = o.runs ?? (o.quick ? 3 : 9);
    const cases = [
      ...['single-node', 'per-cluster', 'multi-cluster'].map((l) => ({ name: l, kind: 'layout', clusters: undefined, config: path.join(examples, `${l}.yaml`), runs: small, reps: 20 })),
      ...(o.quick ? [1, 10, 100] : [1, 10, 100, 1000]).map((n) => ({
        name: `fleet-${n}`,
        kind: 'fleet',
        clusters: n,
        config: writeFleet(n, path.join(tmp, `fleet-${n}.yaml`)),
        runs: o.runs ?? (n >= 1000 ? 3 : n >= 100 ? 5 : small),
        reps: n >= 1000 ? 1 : n >= 100 ? 3 : 10,
      })),
    ];
    const results = [];
    for (const c of cases) {
      process.stderr.write(`bench ${c.name} (${c.runs} runs)… `);
      const r = benchCase(c, o, tmp);
      process.stderr.write(`${ms(r.process.wallMs.median)} (floor ${ms(r.floor.wallMs.median)})\n`);
      results.push(r);
    }
    const pulumi = [];
    if (o.pulumi) {
      for (const c of cases.filter((x) => x.name === 'per-cluster' || (x.kind === 'fleet' && x.clusters <= 100))) {
        process.stderr.write(`bench pulumi ${c.name}… `);
        const p = benchPulumi(c, o, o.quick ? 1 : 3);
        process.stderr.write(`${ms(p.totalMs.median)}\n`);
        pulumi.push(p);
      }
    }
    const checks = targets(results, pulumi);
    const record = {
      command: `node scripts/bench.js ${process.argv.slice(2).join(' ')}`.trim(),
      started: started.toISOString(),
      machine: { ...machine(o), loadAverageBefore: loadBefore.map((x) => +x.toFixed(2)), loadAverageAfter: os.loadavg().map((x) => +x.toFixed(2)) },
      build: path.relative(ROOT, o.build) || '.',
      synthEntry: path.relative(ROOT, o.entry),
      results,
      pulumi,
      targets: checks,
    };
    fs.mkdirSync(path.dirname(o.out), { recursive: true });
    fs.writeFileSync(o.out, `${JSON.stringify(record, null, 2)}\n`);
    console.log(`${record.machine.cpu}, ${record.machine.memGiB} GiB, ${record.machine.os}, node ${record.machine.node}, ${record.machine.commit} (${record.synthEntry})`);
    console.log(`load average before ${record.machine.loadAverageBefore.join(' ')}, after ${record.machine.loadAverageAfter.join(' ')}\n`);
    console.log(table(results, pulumi));
    console.log('\nTargets (issue 15)');
    for (const c of checks) console.log(`  ${c.met ? 'met    ' : 'NOT MET'}  ${c.target}: ${c.value}`);
    console.log(`\nwrote ${path.relative(process.cwd(), o.out)}`);
    return 0;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

process.exitCode = main();
