/**
 * What must exist in a cluster before its rendered file is applied, read from
 * the rendered objects themselves (so it can never disagree with them):
 *
 * - the CustomResourceDefinitions of every custom kind, with the versions the
 *   file uses (this package renders custom resources, never their CRDs);
 * - the Namespaces objects are rendered into but that the file does not
 *   create (the Gateways' namespaces of the kgateway policies);
 * - the Secrets pods reference (name, namespace, keys), which this package
 *   never renders since nothing secret goes into a manifest.
 *
 * `npm run synth` and `otel-lgtm-k8s render` write it beside each manifest
 * file as `<chart>.prerequisites.txt`: YAML text, named `.txt` so that
 * `kubectl apply -f <dir>` and GitOps directory sources do not take it for a
 * manifest.
 */
import { yaml } from '../lib/yaml';
import { apiGroup, apiVersionOnly, isBuiltInKind, RenderedObject } from '../lib/apply-order';

/** A CRD the cluster must serve. */
export interface CrdPrerequisite {
  /** The CRD's name, `<plural>.<group>`. */
  readonly name: string;
  readonly group: string;
  readonly kind: string;
  /** The versions the rendered objects use (each must be served). */
  readonly versions: readonly string[];
  /** Who ships the CRD, when known. */
  readonly providedBy?: string;
}

/** A Namespace objects are rendered into but that the file does not create. */
export interface NamespacePrerequisite {
  readonly name: string;
  /** `Kind/name` of the objects rendered into it. */
  readonly usedBy: readonly string[];
}

/** A Secret pods reference. */
export interface SecretPrerequisite {
  readonly namespace: string;
  readonly name: string;
  /** The keys read; empty with `allKeys` when a volume mounts every key. */
  readonly keys: readonly string[];
  /** A volume or `envFrom` takes every key of the Secret. */
  readonly allKeys: boolean;
  /** Every reference is `optional: true` (the pods start without it). */
  readonly optional: boolean;
  /** `Kind/name` of the objects whose pods reference it. */
  readonly usedBy: readonly string[];
}

export interface Prerequisites {
  readonly customResourceDefinitions: readonly CrdPrerequisite[];
  readonly namespaces: readonly NamespacePrerequisite[];
  readonly secrets: readonly SecretPrerequisite[];
}

/** Who ships the CRDs of an API group this package renders. */
const CRD_PROVIDERS: Readonly<Record<string, string>> = {
  'gateway.kgateway.dev': 'kgateway (installed with kgateway, or its kgateway-crds Helm chart)',
  'gateway.networking.k8s.io': 'Gateway API (standard channel)',
};

/**
 * The plural resource name of a kind, as CRD generators (controller-gen)
 * derive it: lower case, `y` after a consonant becomes `ies`, a sibilant end
 * takes `es`. The CRDs of the kinds this package renders are checked against
 * the real CRD files in the tests.
 */
export function pluralOf(kind: string): string {
  const k = kind.toLowerCase();
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  return `${k}s`;
}

/** The pod spec of a workload object, if it has one. */
function podSpecOf(o: RenderedObject): any {
  switch (o.kind) {
    case 'Pod':
      return o.spec;
    case 'CronJob':
      return o.spec?.jobTemplate?.spec?.template?.spec;
    default:
      return o.spec?.template?.spec;
  }
}

interface SecretRef {
  readonly name: string;
  readonly keys: readonly string[];
  readonly allKeys: boolean;
  readonly optional: boolean;
}

/** Every Secret reference of a pod spec: env, envFrom, secret and projected volumes, image pull secrets. */
function secretRefsOf(spec: any): SecretRef[] {
  const refs: SecretRef[] = [];
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      const r = e.valueFrom?.secretKeyRef;
      if (r) refs.push({ name: r.name, keys: [r.key], allKeys: false, optional: r.optional === true });
    }
    for (const e of c.envFrom ?? []) {
      if (e.secretRef) refs.push({ name: e.secretRef.name, keys: [], allKeys: true, optional: e.secretRef.optional === true });
    }
  }
  const items = (i: { key: string }[] | undefined) => ({ keys: (i ?? []).map((x) => x.key), allKeys: !i || i.length === 0 });
  for (const v of spec.volumes ?? []) {
    if (v.secret) refs.push({ name: v.secret.secretName, ...items(v.secret.items), optional: v.secret.optional === true });
    for (const s of v.projected?.sources ?? []) {
      if (s.secret) refs.push({ name: s.secret.name, ...items(s.secret.items), optional: s.secret.optional === true });
    }
  }
  for (const p of spec.imagePullSecrets ?? []) refs.push({ name: p.name, keys: ['.dockerconfigjson'], allKeys: false, optional: false });
  return refs;
}

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
const ref = (o: RenderedObject) => `${o.kind}/${o.metadata.name}`;

/** The prerequisites of one cluster's rendered objects. */
export function prerequisites(objects: readonly RenderedObject[]): Prerequisites {
  const crds = new Map<string, { group: string; kind: string; versions: Set<string> }>();
  const createdNamespaces = new Set(objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Namespace').map((o) => o.metadata.name));
  const createdSecrets = new Set(objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Secret').map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
  const namespaces = new Map<string, Set<string>>();
  const secrets = new Map<string, { namespace: string; name: string; keys: Set<string>; allKeys: boolean; optional: boolean; usedBy: Set<string> }>();

  for (const o of objects) {
    if (!isBuiltInKind(o)) {
      const group = apiGroup(o.apiVersion);
      const name = `${pluralOf(o.kind)}.${group}`;
      const crd = crds.get(name) ?? { group, kind: o.kind, versions: new Set<string>() };
      crd.versions.add(apiVersionOnly(o.apiVersion));
      crds.set(name, crd);
    }
    const ns = o.metadata.namespace;
    if (ns !== undefined && !createdNamespaces.has(ns)) namespaces.set(ns, (namespaces.get(ns) ?? new Set()).add(ref(o)));
    const spec = podSpecOf(o);
    if (!spec || ns === undefined) continue;
    for (const r of secretRefsOf(spec)) {
      const id = `${ns}/${r.name}`;
      if (createdSecrets.has(id)) continue;
      const s = secrets.get(id) ?? { namespace: ns, name: r.name, keys: new Set<string>(), allKeys: false, optional: true, usedBy: new Set<string>() };
      for (const k of r.keys) s.keys.add(k);
      s.allKeys ||= r.allKeys;
      s.optional &&= r.optional;
      s.usedBy.add(ref(o));
      secrets.set(id, s);
    }
  }

  return {
    customResourceDefinitions: [...crds.entries()]
      .map(([name, c]) => ({ name, group: c.group, kind: c.kind, versions: [...c.versions].sort(), ...(CRD_PROVIDERS[c.group] ? { providedBy: CRD_PROVIDERS[c.group] } : {}) }))
      .sort(byName),
    namespaces: [...namespaces.entries()].map(([name, usedBy]) => ({ name, usedBy: [...usedBy].sort() })).sort(byName),
    secrets: [...secrets.values()]
      .map((s) => ({ namespace: s.namespace, name: s.name, keys: [...s.keys].sort(), allKeys: s.allKeys, optional: s.optional, usedBy: [...s.usedBy].sort() }))
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)),
  };
}

/** The prerequisites file's name for a manifest file (`x.k8s.yaml` → `x.prerequisites.txt`). */
export function prerequisitesFileName(manifestFile: string): string {
  return `${manifestFile.replace(/\.k8s\.yaml$/, '')}.prerequisites.txt`;
}

/** The prerequisites as the short YAML text written beside a manifest file. */
export function prerequisitesText(manifestFile: string, p: Prerequisites): string {
  const body = {
    customResourceDefinitions: p.customResourceDefinitions.map((c) => ({ name: c.name, versions: c.versions, kind: c.kind, ...(c.providedBy ? { providedBy: c.providedBy } : {}) })),
    namespaces: p.namespaces.map((n) => ({ name: n.name, usedBy: n.usedBy })),
    secrets: p.secrets.map((s) => ({
      namespace: s.namespace,
      name: s.name,
      keys: s.allKeys ? [...s.keys, '(every key, mounted as files)'] : s.keys,
      ...(s.optional ? { optional: true } : {}),
      usedBy: s.usedBy,
    })),
  };
  const header = [
    `# Prerequisites of ${manifestFile}: create these in the cluster before`,
    `#   kubectl apply -f ${manifestFile}`,
    '# The manifests reference them but never contain them (no CRDs; nothing secret).',
    '# Secrets: create them with sealed-secrets, external-secrets or `kubectl create secret`.',
  ];
  const doc = new yaml.Document(body);
  // Lists of plain values (keys, versions, users) on one line keep the file short.
  yaml.visit(doc, { Seq: (_, seq) => void (seq.flow = seq.items.every((i) => yaml.isScalar(i))) });
  return `${header.join('\n')}\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}
