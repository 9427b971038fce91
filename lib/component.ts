import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Obj, Opt, Static, Str } from './schema';
import { DNS1035_LABEL_ALLOWED, DNS1035_LABEL_PATTERN, DNS1123_LABEL_ALLOWED, DNS1123_LABEL_PATTERN } from './values';

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
    namespace: Opt(Str(DNS1123_LABEL_PATTERN, `a namespace name (${DNS1123_LABEL_ALLOWED})`, { maxLength: 63, doc: "Namespace to deploy into; the enclosing Chart's namespace, else 'default', when unset." })),
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
