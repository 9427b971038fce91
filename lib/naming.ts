/**
 * Stable, human names and the recommended `app.kubernetes.io/*` labels.
 *
 * Every object that another component dials (Services above all) gets the
 * plain component name (`loki`, `tempo`, `prometheus`, `grafana`), never a
 * hashed one, so endpoints are predictable from outside the code too.
 */

/** The value of `app.kubernetes.io/part-of` on every object this package renders. */
export const PART_OF = 'lgtm';
/** The value of `app.kubernetes.io/managed-by`. */
export const MANAGED_BY = 'otel-lgtm-k8s';

/** Identity of one component instance, from which names and labels derive. */
export interface ComponentIdentity {
  /** Stable object name, also the Service name (e.g. `loki`). */
  readonly name: string;
  /** `app.kubernetes.io/name`: what the software is (e.g. `loki`, `opentelemetry-collector`). */
  readonly app: string;
  /** `app.kubernetes.io/component`: its role in the architecture (e.g. `logs-storage`). */
  readonly component: string;
  /** `app.kubernetes.io/version`: the software version (the image tag). */
  readonly version: string;
  /** Namespace the component runs in. */
  readonly namespace: string;
}

/** Labels that select the pods of one component instance; stable for its lifetime. */
export function selectorLabels(id: Pick<ComponentIdentity, 'name' | 'app'>): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.app,
    'app.kubernetes.io/instance': id.name,
  };
}

/** The full recommended label set for every object of a component. */
export function standardLabels(id: ComponentIdentity): Record<string, string> {
  return {
    ...selectorLabels(id),
    'app.kubernetes.io/component': id.component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/version': labelValue(id.version),
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Makes a string a valid label value (63 chars, alphanumeric ends, `-_.` inside). */
export function labelValue(v: string): string {
  const cleaned = v.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/** Joins name parts with `-` (e.g. `childName('loki', 'config')` = `loki-config`). */
export function childName(base: string, ...parts: string[]): string {
  return [base, ...parts].filter((p) => p.length > 0).join('-');
}

/**
 * Marks a cluster-scoped object (Namespace, ClusterRole, ClusterRoleBinding):
 * a namespaced cdk8s Chart stamps its namespace on every object, which is
 * wrong for these (Pulumi and Terraform reject it; kubectl ignores it).
 */
export function clusterScoped<T extends { metadata: { namespace?: string } }>(obj: T): T {
  (obj.metadata as { namespace?: string }).namespace = undefined;
  return obj;
}
