import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { clusterScoped, MANAGED_BY, PART_OF } from '../lib/naming';

/**
 * The stack's Namespace, labelled so that the API server enforces the
 * "restricted" Pod Security Standard on everything in it.
 */
export class TelemetryNamespace extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: { readonly name: string }) {
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
