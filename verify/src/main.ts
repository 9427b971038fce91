/**
 * `npm run verify`: builds the real programs that are missing (Go modules
 * under verify/tools, cached in Go's caches) and runs every check against the
 * rendered output. Ends with `verify: N checks, F failed`; exits non-zero on
 * any failure.
 *
 *     npm run verify                      # everything
 *     npm run verify -- --only collector  # some check groups (comma-separated)
 *     npm run verify -- --build-only      # just build the tools
 *     npm run verify -- --regenerate      # rewrite the collector's builder manifest from the registry
 */
import * as fs from 'fs';
import { ApiServer } from './apiserver';
import { checkCollectorBinary, checkCollectorConfigs } from './checks-collector';
import { e2eMultiCluster, e2ePerCluster } from './checks-e2e';
import { checkUnfedList, RenderedQuery } from './checks-queries';
import { checkRuleTests } from './checks-rules';
import { checkApply } from './checks-kubernetes';
import { checkPulumi, checkPulumiReadmeExample, PULUMI_ENVS } from './checks-pulumi';
import { checkPrometheusConfigs } from './checks-prometheus';
import { WORK } from './paths';
import { stopAllServers } from './proc';
import { renderExamples, renderMatrix } from './render';
import { Report } from './report';
import { buildTool, regenerateCollector, toolSpecs } from './tools';

export const GROUPS = ['collector', 'prometheus', 'kubernetes', 'e2e', 'pulumi'] as const;
type Group = (typeof GROUPS)[number];

/** The tools each check group runs. */
const GROUP_TOOLS: Record<Group, string[]> = {
  collector: ['otelcol'],
  prometheus: ['prometheus'],
  kubernetes: ['etcd', 'kubernetes'],
  e2e: ['otelcol', 'otelcol-sink', 'prometheus', 'etcd', 'kubernetes', 'telemetrygen'],
  pulumi: ['etcd', 'kubernetes', 'pulumi', 'pulumi-kubernetes'],
};

async function main(argv: string[]): Promise<number> {
  const arg = (name: string) => argv.includes(name);
  const onlyIdx = argv.indexOf('--only');
  const only = onlyIdx >= 0 ? (argv[onlyIdx + 1] ?? '').split(',') : [...GROUPS];
  for (const g of only) if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`--only ${g}: unknown group; groups: ${GROUPS.join(', ')}`);
  const want = (g: Group) => only.includes(g);
  const log = (s: string) => process.stdout.write(`${s}\n`);
  const started = Date.now();

  if (arg('--regenerate')) await regenerateCollector(log);
  const needed = new Set(only.flatMap((g) => GROUP_TOOLS[g as Group]));
  if (arg('--build-only') || arg('--regenerate')) for (const t of toolSpecs()) needed.add(t.name);
  for (const t of toolSpecs()) if (needed.has(t.name)) await buildTool(t, log);
  log(`tools ready after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (arg('--build-only')) return 0;

  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  const r = new Report();
  const rendered = [...renderExamples(`${WORK}/rendered`), ...renderMatrix(`${WORK}/rendered`)];
  log(`rendered ${rendered.length} cluster files`);
  const firstCheck = Date.now();
  const times: string[] = [];
  const timed = async (g: Group, run: () => Promise<void>) => {
    if (!want(g)) return;
    const t0 = Date.now();
    await run();
    times.push(`${g} ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  };

  await timed('collector', async () => {
    r.section('collector');
    await r.guard('collector: components', () => checkCollectorBinary(r));
    await r.guard('collector: validate', () => checkCollectorConfigs(r, rendered, WORK));
  });

  await timed('prometheus', async () => {
    r.section('prometheus');
    await r.guard('prometheus: configs and rules', () => checkPrometheusConfigs(r, rendered, WORK));
  });

  await timed('kubernetes', async () => {
    r.section('kubernetes');
    const api = new ApiServer('apply', `${WORK}/apiserver-apply`);
    await r.guard('kubernetes: API server', async () => {
      await api.start();
      const crds = await api.installCrds();
      r.check(`kubernetes: kube-apiserver and etcd started; CRDs installed (${crds.join(', ')})`, true);
      for (const c of rendered) await r.guard(`kubernetes: ${c.fileName}`, () => checkApply(r, api, c));
    });
    await api.stop();
  });

  await timed('e2e', async () => {
    r.section('end to end');
    const perCluster = rendered.find((c) => c.variant === 'example per-cluster')!;
    const unfed: RenderedQuery[] = [];
    if (!process.env.VERIFY_E2E || process.env.VERIFY_E2E === 'per-cluster') await r.guard('e2e: per-cluster', async () => {
      const res = await e2ePerCluster(r, perCluster, `${WORK}/e2e-per-cluster`);
      unfed.push(...res.unfed);
      fs.writeFileSync(`${WORK}/observed-series.json`, JSON.stringify(Object.fromEntries(res.observed)));
      r.section('alert rules (promtool test rules, series observed in the run)');
      await checkRuleTests(r, perCluster.objects, res.observed, `${WORK}/rule-tests`);
    });
    const fleet = rendered.filter((c) => c.variant === 'example multi-cluster');
    // VERIFY_E2E=per-cluster runs one scenario (while working on the harness); CI runs both.
    if (!process.env.VERIFY_E2E || process.env.VERIFY_E2E === 'multi-cluster') {
      await r.guard('e2e: multi-cluster', async () => {
        unfed.push(...(await e2eMultiCluster(r, fleet, `${WORK}/e2e-multi-cluster`)));
      });
      checkUnfedList(r, unfed, arg('--write-docs'));
    }
  });

  await timed('pulumi', async () => {
    r.section('pulumi');
    const envs = process.env.VERIFY_PULUMI_ENVS ? PULUMI_ENVS.filter((e) => process.env.VERIFY_PULUMI_ENVS!.split(',').includes(e.env)) : PULUMI_ENVS;
    for (const e of envs) await r.guard(`pulumi ${e.env}`, () => checkPulumi(r, e, `${WORK}/pulumi-${e.env}`));
    if (!process.env.VERIFY_PULUMI_ENVS) await r.guard('pulumi README example', () => checkPulumiReadmeExample(r, `${WORK}/pulumi-readme`));
  });

  await stopAllServers();
  log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s: tools and rendering ${((firstCheck - started) / 1000).toFixed(0)} s, ${times.join(', ')})`);
  log(r.summary());
  return r.failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (e) => {
    await stopAllServers();
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.stdout.write('verify: 1 checks, 1 failed\n');
    process.exit(1);
  },
);
