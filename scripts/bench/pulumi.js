/**
 * The Pulumi path under mocks (no engine, no cluster): registers one
 * deployment with `LgtmStack` and waits until every registration has reached
 * the mocks. Prints JSON (time, resources registered). One deployment per
 * process: the mocks keep state.
 *
 *     node scripts/bench/pulumi.js <build dir> <config.yaml>
 */
const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');
const YAML = require('yaml');
const pulumi = require('@pulumi/pulumi');
const k8s = require('@pulumi/kubernetes');

const [, , buildDir, configFile] = process.argv;
let registered = 0;
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered++;
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  },
  'otel-lgtm-k8s',
  'bench',
  false,
);

async function settle() {
  let before = -1;
  while (before !== registered) {
    before = registered;
    await pulumi.runtime.waitForRPCs();
    await new Promise((r) => setImmediate(r));
  }
}

(async () => {
  const tLoad = performance.now();
  const { LgtmStack, clusterNames } = require(path.join(buildDir, 'pulumi', 'stack'));
  const config = YAML.parse(fs.readFileSync(configFile, 'utf8'));
  const loadMs = performance.now() - tLoad;
  // One provider per cluster, as LgtmStack requires of a fleet (older builds take none); created before the timing starts.
  const providers = clusterNames ? Object.fromEntries(clusterNames(config).map((c) => [c, new k8s.Provider(c, {})])) : undefined;
  const t = performance.now();
  new LgtmStack('lgtm', { config, providers });
  const constructMs = performance.now() - t;
  await settle();
  const totalMs = performance.now() - t;
  process.stdout.write(`${JSON.stringify({ loadMs, constructMs, totalMs, resources: registered, rssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
