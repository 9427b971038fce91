import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Obj, Opt, Static, Str } from './schema';
import { ValidationError } from './validation';
import { DNS1035_LABEL_ALLOWED, DNS1035_LABEL_PATTERN, STACK_NAMESPACE_ALLOWED, STACK_NAMESPACE_PATTERN, SYSTEM_NAMESPACES } from './values';

/**
 * The schema of the props every component accepts. `maxNameLength` is lower
 * for StatefulSets, whose name must leave room for the
 * `controller-revision-hash` label (`<name>-<10-char hash>`, at most 63).
 */
export function componentPropsSchema(maxNameLength = 63) {
  return {
    name: Opt(
      Str(DNS1035_LABEL_PATTERN, DNS1035_LABEL_ALLOWED.replace('at most 63', `at most ${maxNameLength}`), {
        maxLength: maxNameLength,
        doc: 'Stable object name, also the Service name other components dial.',
      }),
    ),
    namespace: Opt(
      Str(STACK_NAMESPACE_PATTERN, `a namespace name (${STACK_NAMESPACE_ALLOWED})`, {
        maxLength: 63,
        doc: "Namespace to deploy into; the enclosing Chart's namespace when unset (a system namespace is refused).",
      }),
    ),
  };
}

const COMPONENT_PROPS = Obj(componentPropsSchema());
/** Props every component accepts. */
export type ComponentProps = Static<typeof COMPONENT_PROPS>;

/** Resolves the namespace for a component: explicit prop, then the Chart's namespace, then `default`. */
export function resolveNamespace(scope: Construct, namespace?: string): string {
  if (namespace !== undefined) return namespace;
  try {
    return Chart.of(scope).namespace ?? 'default';
  } catch {
    return 'default';
  }
}

/**
 * The namespace a component deploys into (the prop, else the Chart's), with
 * the system namespaces (kube-system, kube-public, kube-node-lease, default)
 * refused: a ValidationError names `field`. Components call it before they
 * join the tree.
 */
export function stackNamespace(scope: Construct, namespace: string | undefined, field: string, source: string): string {
  const ns = resolveNamespace(scope, namespace);
  if ((SYSTEM_NAMESPACES as readonly string[]).includes(ns)) {
    throw new ValidationError(
      [{ field, value: ns, allowed: `${STACK_NAMESPACE_ALLOWED}; set ${field}${namespace === undefined ? " or the enclosing Chart's namespace" : ''}` }],
      source,
    );
  }
  return ns;
}
