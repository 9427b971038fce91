import { Chart } from 'cdk8s';
import { Construct } from 'constructs';

/** Props every component accepts. */
export interface ComponentProps {
  /**
   * Namespace to deploy into.
   * @default the enclosing Chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /**
   * Stable object name (also the Service name other components dial).
   * @default the component's own name, e.g. 'loki'
   */
  readonly name?: string;
}

/** Resolves the namespace for a component: explicit prop, then the Chart's namespace, then `default`. */
export function resolveNamespace(scope: Construct, namespace?: string): string {
  if (namespace !== undefined) return namespace;
  try {
    return Chart.of(scope).namespace ?? 'default';
  } catch {
    return 'default';
  }
}
