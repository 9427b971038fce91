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
  prometheus: { repository: 'quay.io/prometheus/prometheus', tag: 'v3.14.0' },
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
