import { createHash } from 'crypto';

/** Annotation key carrying the hash of a pod's configuration. */
export const CONFIG_CHECKSUM_ANNOTATION = 'checksum/config';

/**
 * SHA-256 of configuration content. Put on a pod template as
 * {@link CONFIG_CHECKSUM_ANNOTATION} so that any config change rolls the pods.
 * Objects are hashed by their key-sorted JSON form so key order does not matter.
 */
export function configChecksum(...contents: unknown[]): string {
  const h = createHash('sha256');
  for (const c of contents) h.update(typeof c === 'string' ? c : stableJson(c)).update('\0');
  return h.digest('hex');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
