/**
 * Every rendered object of every layout applied by a real API server:
 * server-side apply with a field manager and strict field validation, a dry
 * run first, then for real; a second apply changes nothing; then everything
 * is deleted. Any warning (PodSecurity, unknown or duplicate fields,
 * deprecated APIs) fails the check.
 */
import * as fs from 'fs';
import { ApiServer } from './apiserver';
import { K8sObject, RenderedCluster } from './render';
import { Report } from './report';

export const FIELD_MANAGER = 'otel-lgtm-k8s';
const PSS_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};

const warnings = (stderr: string) => stderr.split('\n').filter((l) => /warning/i.test(l));

/** Namespaces the objects live in that the file does not create (e.g. the Gateways' namespaces). */
export function foreignNamespaces(objects: K8sObject[]): string[] {
  const own = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  return [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n && !own.has(n)))].sort();
}

/** Creates (or labels) a namespace the user owns, with the restricted Pod Security Standard enforced. */
export async function ensureNamespace(api: ApiServer, name: string): Promise<void> {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: PSS_LABELS } };
  await api.kubectlOk(['apply', '--server-side', '--field-manager=verify-prerequisites', '-f', '-'], JSON.stringify(ns));
}

/** Removes a Terminating namespace's finalizer, as the namespace controller would once it is empty. */
export async function finalizeNamespace(api: ApiServer, name: string): Promise<void> {
  const got = await api.kubectl(['get', 'namespace', name, '-o', 'json']);
  if (got.code !== 0) return;
  const ns = JSON.parse(got.stdout);
  ns.spec = { finalizers: [] };
  await api.kubectlOk(['replace', '--raw', `/api/v1/namespaces/${name}/finalize`, '-f', '-'], JSON.stringify(ns));
}

function resourceVersions(list: any): Map<string, string> {
  const items = list.kind === 'List' || Array.isArray(list.items) ? list.items : [list];
  return new Map(items.map((o: any) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o.metadata.resourceVersion]));
}

export async function checkApply(r: Report, api: ApiServer, c: RenderedCluster): Promise<void> {
  const what = `${c.variant} ${c.fileName} (${c.objects.length} objects)`;
  const apply = ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--validate=strict', '-f', c.file];
  for (const ns of foreignNamespaces(c.objects)) await ensureNamespace(api, ns);

  // A dry run cannot create the Namespace that the file's other objects live in: dry-run and apply the
  // file's Namespaces first, then dry-run the whole file.
  const namespaces = c.objects.filter((o) => o.kind === 'Namespace');
  if (namespaces.length > 0) {
    const nsFile = `${c.file}.namespaces.json`;
    fs.writeFileSync(nsFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: namespaces }));
    const nsApply = ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--validate=strict', '-f', nsFile];
    const nsDry = await api.kubectl([...nsApply, '--dry-run=server']);
    const nsReal = nsDry.code === 0 ? await api.kubectl(nsApply) : nsDry;
    const nsWarn = [...warnings(nsDry.stderr), ...warnings(nsReal.stderr)];
    if (!r.check(`kubernetes: server-side dry run, then apply, of the Namespaces of ${what}`, nsReal.code === 0 && nsWarn.length === 0, nsReal.code === 0 ? nsWarn.join('\n') || undefined : nsReal.stderr)) return;
  }
  const dry = await api.kubectl([...apply, '--dry-run=server']);
  const dryWarn = warnings(dry.stderr);
  if (!r.check(`kubernetes: server-side dry run of ${what}`, dry.code === 0 && dryWarn.length === 0, dry.code === 0 ? dryWarn.join('\n') || undefined : dry.stderr)) return;

  const real = await api.kubectl(apply);
  const realWarn = warnings(real.stderr);
  if (!r.check(`kubernetes: server-side apply of ${what}`, real.code === 0 && realWarn.length === 0, real.code === 0 ? realWarn.join('\n') || undefined : real.stderr)) return;

  const before = resourceVersions(JSON.parse((await api.kubectlOk(['get', '-f', c.file, '-o', 'json'])).stdout));
  const again = await api.kubectl(apply);
  const after = resourceVersions(JSON.parse((await api.kubectlOk(['get', '-f', c.file, '-o', 'json'])).stdout));
  const changed = [...before].filter(([k, v]) => after.get(k) !== v).map(([k]) => k);
  const diff = await api.kubectl(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', c.file]);
  r.check(
    `kubernetes: a second apply of ${c.fileName} changes nothing (${before.size} objects, same resourceVersions, empty diff)`,
    again.code === 0 && warnings(again.stderr).length === 0 && changed.length === 0 && diff.code === 0 && before.size === c.objects.length,
    [again.code !== 0 ? again.stderr : '', changed.length ? `changed: ${changed.join(', ')}` : '', diff.code !== 0 ? `kubectl diff:\n${diff.stdout}${diff.stderr}` : '', before.size !== c.objects.length ? `the server holds ${before.size} of ${c.objects.length} objects` : '']
      .filter(Boolean)
      .join('\n') || undefined,
  );

  const del = await api.kubectl(['delete', '-f', c.file, '--wait=false']);
  for (const ns of c.objects.filter((o) => o.kind === 'Namespace')) await finalizeNamespace(api, ns.metadata.name);
  const left = await api.kubectl(['get', '-f', c.file, '--ignore-not-found', '-o', 'name']);
  r.check(
    `kubernetes: delete of ${c.fileName} leaves none of its objects`,
    del.code === 0 && left.code === 0 && left.stdout.trim() === '' && warnings(del.stderr).length === 0,
    del.code !== 0 ? del.stderr : left.stdout.trim() || warnings(del.stderr).join('\n') || undefined,
  );
}
