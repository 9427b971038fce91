/**
 * promtool at the pinned Prometheus version: `check config` on every rendered
 * prometheus.yml and `check rules` on every rule file, each run inside the
 * pod's file layout (so `rule_files` globs resolve as in the pod). Identical
 * configurations (same prometheus.yml and rule files) are checked once.
 */
import { createHash } from 'crypto';
import { podDir, podRunSpec } from './kube-pod';
import { bin } from './paths';
import { preparePod } from './pod';
import { run } from './proc';
import { K8sObject, podSpec, RenderedCluster } from './render';
import { Report } from './report';

export const isPrometheus = (o: K8sObject) => o.kind === 'StatefulSet' && podSpec(o).containers[0].image.includes('/prometheus/prometheus:');

/** Runs promtool with `args` inside the layout of the Prometheus pod. */
export async function promtoolInPod(objects: K8sObject[], w: K8sObject, dir: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const spec = podRunSpec(objects, w, { dir, binary: bin('promtool'), hosts: [], secrets: {}, fieldValues: {} });
  const { cmd, args: a } = preparePod({ ...spec, args, env: { PATH: '/usr/bin:/bin', HOME: '/' } });
  const r = await run(cmd, a, { timeoutMs: 120_000 });
  return { code: r.code, out: `${r.stdout}${r.stderr}`.trim() };
}

export async function checkPrometheusConfigs(r: Report, clusters: RenderedCluster[], scratch: string): Promise<void> {
  const seen = new Map<string, string>();
  for (const c of clusters) {
    for (const w of c.objects.filter(isPrometheus)) {
      const container = podSpec(w).containers[0];
      const configFile = (container.args as string[]).find((a) => a.startsWith('--config.file='))!.slice('--config.file='.length);
      const dir = podDir(scratch, c.fileName.replace(/\.k8s\.yaml$/, ''), `promtool-${w.metadata.name}`);
      const spec = podRunSpec(c.objects, w, { dir, binary: bin('promtool'), hosts: [], secrets: {}, fieldValues: {} });
      const rulesMount = container.volumeMounts.find((m: any) => m.name === 'rules');
      const ruleFiles = Object.keys(spec.volumes.find((v) => v.mountPath === rulesMount.mountPath)?.files ?? {}).sort();
      const key = createHash('sha256').update(JSON.stringify(spec.volumes.map((v) => v.files ?? null))).digest('hex');
      const what = `${c.variant} ${c.fileName}`;
      const dup = seen.get(key);
      if (dup) {
        r.check(`prometheus: promtool check config and rules ${what}`, true, `same prometheus.yml and rule files as ${dup}`);
        continue;
      }
      seen.set(key, c.fileName);
      const conf = await promtoolInPod(c.objects, w, dir, ['check', 'config', configFile]);
      r.check(`prometheus: promtool check config ${what} (${configFile} and its ${ruleFiles.length} rule files)`, conf.code === 0, conf.code === 0 ? undefined : conf.out);
      const paths = ruleFiles.map((f) => `${rulesMount.mountPath}/${f}`);
      const rules = await promtoolInPod(c.objects, w, dir, ['check', 'rules', ...paths]);
      for (const p of paths) {
        const line = rules.out.split('\n').find((l) => l.includes(p)) ?? '';
        const next = rules.out.split('\n')[rules.out.split('\n').indexOf(line) + 1] ?? '';
        r.check(`prometheus: promtool check rules ${c.fileName} ${p.split('/').pop()}`, rules.code === 0 && /SUCCESS/.test(`${line} ${next}`), rules.code === 0 ? next.trim() || undefined : rules.out);
      }
    }
  }
}
