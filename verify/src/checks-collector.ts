/**
 * The collector binary against the package's component registry, and
 * `otelcol validate` on every collector config of every rendered cluster.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { bin, ROOT } from './paths';
import { run } from './proc';
import { collectorConfigOf, collectorWorkloads, containerEnv, podSpec, RenderedCluster } from './render';
import { Report } from './report';
import { builderManifest } from './tools';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const pkg = require(path.join(ROOT, 'build', 'index.js'));

/** Values the kubelet would give downward-API env vars in the verification. */
export const FIELD_VALUES = { 'spec.nodeName': 'node-1', 'metadata.name': 'pod-1', 'metadata.namespace': 'telemetry', 'status.podIP': '127.0.0.1' };

export async function checkCollectorBinary(r: Report): Promise<void> {
  const manifest = fs.readFileSync(path.join(ROOT, 'verify', 'tools', 'otelcol', 'builder-config.yaml'), 'utf8');
  r.check(
    'collector: the builder manifest is the one derived from lib/collector/registry.ts',
    manifest === builderManifest(),
    manifest === builderManifest() ? undefined : 'verify/tools/otelcol/builder-config.yaml is stale: run `npm run verify -- --regenerate` and commit the result',
  );
  const out = await run(bin('otelcol'), ['components']);
  const listed = parse(out.stdout) as Record<string, { name: string; module: string }[]>;
  const have = new Set<string>();
  for (const cls of ['receivers', 'processors', 'exporters', 'extensions', 'connectors']) {
    for (const c of listed[cls] ?? []) have.add(`${cls.slice(0, -1)}/${c.name}`);
  }
  const registry = (pkg.registeredComponents() as { class: string; type: string }[]).map((c) => `${c.class}/${c.type}`);
  const missing = registry.filter((c) => !have.has(c));
  const extra = [...have].filter((c) => !registry.includes(c));
  r.check(
    `collector: the built otelcol ${listed.buildinfo ? (listed as any).buildinfo.version : ''} has exactly the ${registry.length} registered components`,
    missing.length === 0 && extra.length === 0,
    [missing.length ? `missing from the binary: ${missing.join(', ')}` : '', extra.length ? `in the binary but not in the registry: ${extra.join(', ')}` : ''].filter(Boolean).join('\n') || undefined,
  );
}

/** `otelcol validate` on each collector config, with the env its container gets. */
export async function checkCollectorConfigs(r: Report, clusters: RenderedCluster[], scratch: string): Promise<void> {
  const seen = new Map<string, string>();
  for (const c of clusters) {
    for (const w of collectorWorkloads(c.objects)) {
      const { yaml } = collectorConfigOf(c.objects, w);
      const container = podSpec(w).containers[0];
      const env = containerEnv(container, FIELD_VALUES);
      const key = `${yaml}\n${JSON.stringify(env)}`;
      const name = `collector: otelcol validate ${c.variant} ${c.fileName} ${w.kind}/${w.metadata.name}`;
      const dup = seen.get(key);
      if (dup) {
        r.check(name, true, `same config and env as ${dup}`);
        continue;
      }
      seen.set(key, `${c.fileName} ${w.metadata.name}`);
      const dir = fs.mkdtempSync(path.join(scratch, 'otelcol-validate-'));
      const file = path.join(dir, 'config.yaml');
      fs.writeFileSync(file, yaml);
      const res = await run(bin('otelcol'), ['validate', `--config=${file}`], { env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...env } });
      r.check(name, res.code === 0, res.code === 0 ? undefined : `${res.stdout}${res.stderr}`.trim());
    }
  }
}
