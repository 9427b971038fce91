#!/usr/bin/env node
/**
 * Benchmark of the synth fast path: runs the compiled app (as `npx cdk8s synth`
 * and `npm run synth` do, minus tsc) N times into a temporary directory and
 * reports wall time and peak RSS per run. Run `npm run build` first.
 *
 *     node scripts/bench.js [runs=5]
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const runs = Number(process.argv[2] ?? 5);
const app = path.resolve(__dirname, '..', 'build', 'app.js');
if (!fs.existsSync(app)) {
  console.error('build/app.js not found: run `npm run build` first');
  process.exit(2);
}
const times = [];
const rss = [];
for (let i = 0; i < runs; i++) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-bench-'));
  const probe = `const {performance}=require('perf_hooks');const t=performance.now();process.env.CDK8S_OUTDIR=${JSON.stringify(outdir)};const code=require(${JSON.stringify(app)}).main();process.stdout.write=()=>true;console.error(JSON.stringify({ms:performance.now()-t,rss:process.resourceUsage().maxRSS,code}));`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  fs.rmSync(outdir, { recursive: true, force: true });
  const line = r.stderr.trim().split('\n').pop();
  const m = JSON.parse(line);
  if (m.code !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  times.push(m.ms);
  rss.push(m.rss / 1024);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`synth of the reference configs (${runs} runs): median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}), peak RSS median ${median(rss).toFixed(0)} MiB`);
