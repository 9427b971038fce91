import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { clusterScoped, MANAGED_BY, PART_OF } from '../lib/naming';
import { validate } from '../lib/validation';
import { matches, STACK_NAMESPACE_ALLOWED, STACK_NAMESPACE_PATTERN } from '../lib/values';

/**
 * The stack's Namespace, labelled so that the API server enforces the
 * "restricted" Pod Security Standard on everything in it (and audits and
 * warns with it). The system namespaces (kube-system, kube-public,
 * kube-node-lease, default) are refused: relabelling them would change the
 * rules for the cluster's own pods.
 */
export class TelemetryNamespace extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: { readonly name: string }) {
    validate('TelemetryNamespace props', [{ field: 'namespace', value: props?.name, required: true, ok: (v) => matches(STACK_NAMESPACE_PATTERN, v), allowed: STACK_NAMESPACE_ALLOWED }]);
    super(scope, id);
    this.name = props.name;
    clusterScoped(
      new k8s.KubeNamespace(this, 'namespace', {
        metadata: {
          name: props.name,
          labels: {
            'app.kubernetes.io/part-of': PART_OF,
            'app.kubernetes.io/managed-by': MANAGED_BY,
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
        },
      }),
    );
  }
}
