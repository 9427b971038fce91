/**
 * Preloaded (`node -r`) into every process the benchmark times: at exit it
 * writes the process's own view of its cost — peak RSS, CPU time and the
 * time since the process started — to the file named by BENCH_PROBE_OUT.
 * It loads nothing but `fs` and `perf_hooks`, so it costs the synth and the
 * floor processes the same.
 */
const fs = require('fs');
const { performance } = require('perf_hooks');

const out = process.env.BENCH_PROBE_OUT;
if (out) {
  process.on('exit', (code) => {
    const u = process.resourceUsage();
    fs.writeFileSync(
      out,
      JSON.stringify({
        code,
        maxRssKiB: u.maxRSS,
        cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
        sinceStartMs: performance.now(),
      }),
    );
  });
}
