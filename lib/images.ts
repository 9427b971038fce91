/**
 * The one table of container images. Every image this package renders comes
 * from here, pinned to an exact release tag. Bump a version in one place and
 * every component (and `app.kubernetes.io/version`) follows.
 */

export interface ImageRef {
  /** Registry and repository, e.g. `docker.io/grafana/loki`. */
  readonly repository: string;
  /** Exact release tag; never `latest`. */
  readonly tag: string;
}

export const IMAGES = {
  loki: { repository: 'docker.io/grafana/loki', tag: '3.7.6' },
  tempo: { repository: 'docker.io/grafana/tempo', tag: '2.10.8' },
  prometheus: { repository: 'quay.io/prometheus/prometheus', tag: 'v3.16.0' },
  grafana: { repository: 'docker.io/grafana/grafana', tag: '13.2.3' },
  otelCollectorContrib: { repository: 'docker.io/otel/opentelemetry-collector-contrib', tag: '0.159.0' },
} as const satisfies Record<string, ImageRef>;

export type ImageName = keyof typeof IMAGES;

/** `repository:tag` for a pod spec. */
export function imageString(ref: ImageRef): string {
  return `${ref.repository}:${ref.tag}`;
}

/** The version label value for an image (the tag without a leading `v`). */
export function imageVersion(ref: ImageRef): string {
  return ref.tag.replace(/^v/, '');
}

/**
 * The real programs the rendered output is verified with (`npm run verify`,
 * see verify/README.md), built from Go modules at exactly these versions. The
 * collector and Prometheus are built at the versions of their images above;
 * the go.mod of each tool under verify/tools/ must require these versions
 * (the verification refuses to run when one drifts).
 */
export const VERIFIED_WITH = {
  /** kube-apiserver and kubectl, from k8s.io/kubernetes (staging modules at v0.<minor>.<patch>). */
  kubernetes: '1.36.3',
  /** etcd, from go.etcd.io/etcd/server/v3. */
  etcd: '3.6.16',
  /** The Pulumi CLI, from github.com/pulumi/pulumi/pkg/v3. */
  pulumi: '3.274.1',
  /**
   * The Pulumi Kubernetes provider, from github.com/pulumi/pulumi-kubernetes/provider/v4
   * (the module proxy serves one commit: f47bc2d6f199 of 2026-01-15, after v4.24.0),
   * installed as the plugin version `@pulumi/kubernetes` asks for.
   */
  pulumiKubernetesProvider: 'v4.0.0-20260115033456-f47bc2d6f199',
  /** The load generator, from the collector-contrib cmd/telemetrygen (the newest served release). */
  telemetrygen: '0.161.0',
} as const;
