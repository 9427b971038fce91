import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { orderForApply } from './apply-order';
import { ValidationError } from './validation';

/**
 * The Pulumi adapter: registers rendered Kubernetes objects (plain manifests
 * from a cdk8s chart) as one Pulumi resource each, with stable logical names
 * derived from cluster, kind, namespace and name, parented to a component and
 * bound to a cluster's provider. Namespaces are registered first and every
 * object in a Namespace the same set creates depends on it; custom resources
 * are registered after the built-in objects.
 */

/** A plain Kubernetes manifest. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };

type ResourceClass = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** Typed Pulumi classes for the built-in kinds this package renders; anything else is a CustomResource. */
const TYPED: Record<string, ResourceClass> = {
  'v1/Namespace': k8s.core.v1.Namespace,
  'v1/ServiceAccount': k8s.core.v1.ServiceAccount,
  'v1/ConfigMap': k8s.core.v1.ConfigMap,
  'v1/Secret': k8s.core.v1.Secret,
  'v1/Service': k8s.core.v1.Service,
  'v1/PersistentVolumeClaim': k8s.core.v1.PersistentVolumeClaim,
  'apps/v1/Deployment': k8s.apps.v1.Deployment,
  'apps/v1/StatefulSet': k8s.apps.v1.StatefulSet,
  'apps/v1/DaemonSet': k8s.apps.v1.DaemonSet,
  'rbac.authorization.k8s.io/v1/ClusterRole': k8s.rbac.v1.ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': k8s.rbac.v1.ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': k8s.rbac.v1.Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': k8s.rbac.v1.RoleBinding,
  'networking.k8s.io/v1/NetworkPolicy': k8s.networking.v1.NetworkPolicy,
  'policy/v1/PodDisruptionBudget': k8s.policy.v1.PodDisruptionBudget,
};

/**
 * Stable logical name of an object: `<cluster>:<kind>:<namespace>/<name>` for
 * namespaced objects and `<cluster>:<kind>:<name>` for cluster-scoped ones.
 */
export function logicalName(cluster: string, m: Manifest): string {
  const kind = m.kind.toLowerCase();
  return m.metadata.namespace ? `${cluster}:${kind}:${m.metadata.namespace}/${m.metadata.name}` : `${cluster}:${kind}:${m.metadata.name}`;
}

export interface RegisterOptions {
  /** Cluster label used in logical names (unique per cluster). */
  readonly cluster: string;
  /** The objects to register. */
  readonly objects: readonly Manifest[];
  /** Parent component. */
  readonly parent: pulumi.Resource;
  /** Provider of the target cluster. @default the default provider */
  readonly provider?: k8s.Provider;
  /** Extra dependencies for every object. */
  readonly dependsOn?: pulumi.Resource[];
  /**
   * Called once the Namespaces are registered, with them by name: creates
   * resources that live in those Namespaces and that every other object then
   * depends on (e.g. Secrets created from Pulumi config). Their own
   * dependencies on the Namespaces are the callback's to set.
   */
  readonly afterNamespaces?: (namespaces: ReadonlyMap<string, pulumi.Resource>) => pulumi.Resource[];
}

/**
 * Registers every object as its own resource and returns them keyed by
 * logical name. Duplicate logical names are an error.
 */
export function registerManifests(opts: RegisterOptions): Map<string, pulumi.CustomResource> {
  const out = new Map<string, pulumi.CustomResource>();
  const namespaces = new Map<string, pulumi.CustomResource>();
  const base: pulumi.CustomResourceOptions = { parent: opts.parent, provider: opts.provider };
  const ordered = orderForApply(opts.objects);
  let after: pulumi.Resource[] | undefined;
  for (const m of ordered) {
    const name = logicalName(opts.cluster, m);
    if (out.has(name)) throw new ValidationError([{ field: 'objects', value: name, allowed: 'each Kubernetes object (cluster, kind, namespace, name) once' }], 'registerManifests');
    const isNamespace = m.kind === 'Namespace' && m.apiVersion === 'v1';
    // Namespaces come first (apply order); the first other object triggers what must follow them.
    if (!isNamespace && after === undefined) after = opts.afterNamespaces?.(namespaces) ?? [];
    const deps: pulumi.Resource[] = [...(opts.dependsOn ?? []), ...(isNamespace ? [] : after ?? [])];
    const ns = m.metadata.namespace ? namespaces.get(m.metadata.namespace) : undefined;
    if (ns) deps.push(ns);
    const Cls = TYPED[`${m.apiVersion}/${m.kind}`];
    // Every object has a fixed name, so a replacement must delete the old object before creating the new one
    // (creating first fails: the name is taken).
    const resOpts: pulumi.CustomResourceOptions = { ...base, dependsOn: deps, deleteBeforeReplace: true };
    const res = Cls ? new Cls(name, m, resOpts) : new k8s.apiextensions.CustomResource(name, m as any, resOpts);
    if (isNamespace) namespaces.set(m.metadata.name, res);
    out.set(name, res);
  }
  if (after === undefined) opts.afterNamespaces?.(namespaces);
  return out;
}

