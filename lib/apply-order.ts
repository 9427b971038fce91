/**
 * The order of the objects in a rendered file, so that `kubectl apply -f` of
 * the file succeeds in one pass: `kubectl apply` sends the documents in file
 * order and does not reorder them, so a namespaced object before its Namespace
 * fails, and a custom resource fails unless its CRD is installed.
 *
 * Namespaces come first, then CustomResourceDefinitions (none today), then
 * every other built-in kind, then custom resources (HTTPListenerPolicy,
 * ListenerPolicy, ReferenceGrant: their CRDs are prerequisites, listed in the
 * prerequisites file, never rendered). Within a rank the construct order is
 * kept (the sort is stable), so each component's objects stay together.
 */

/** A rendered Kubernetes object (only the fields ordering and prerequisites read). */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: any;
}

/**
 * API groups served by the Kubernetes API server itself (no CRD needed).
 * Groups such as `gateway.networking.k8s.io` end in `.k8s.io` but are CRDs,
 * hence a list rather than a suffix rule.
 */
export const BUILT_IN_API_GROUPS: ReadonlySet<string> = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** The API group of an `apiVersion` (`''` for the core group `v1`). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The version part of an `apiVersion` (`v1alpha1` of `gateway.kgateway.dev/v1alpha1`). */
export function apiVersionOnly(apiVersion: string): string {
  return apiVersion.slice(apiVersion.indexOf('/') + 1);
}

/** Whether the object's kind is served by the API server itself rather than by a CRD. */
export function isBuiltInKind(o: Pick<RenderedObject, 'apiVersion'>): boolean {
  return BUILT_IN_API_GROUPS.has(apiGroup(o.apiVersion));
}

function rank(o: RenderedObject): number {
  if (o.apiVersion === 'v1' && o.kind === 'Namespace') return 0;
  if (o.kind === 'CustomResourceDefinition' && apiGroup(o.apiVersion) === 'apiextensions.k8s.io') return 1;
  return isBuiltInKind(o) ? 2 : 3;
}

/** The objects in apply order (a new array; stable within each rank). */
export function orderForApply<T extends RenderedObject>(objects: readonly T[]): T[] {
  return objects
    .map((o, i) => ({ o, i, r: rank(o) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.o);
}
