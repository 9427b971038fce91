import { SecretKeyRef } from './endpoint';
import { is, Rule } from './validation';

/**
 * Storage choices shared by the backends. Data always has a local PVC (for
 * Loki/Tempo it holds WAL and index caches, for Prometheus the TSDB); with an
 * S3-compatible bucket the long-term blocks/chunks go to the bucket.
 */

/** A PersistentVolumeClaim per replica. */
export interface VolumeOptions {
  /** PVC size. @default component-specific */
  readonly size?: string;
  /** StorageClass name. @default the cluster's default StorageClass */
  readonly storageClassName?: string;
}

/** An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, GCS interop, R2...). */
export interface S3BucketOptions {
  /** Endpoint host, with optional port, without scheme (e.g. `s3.eu-west-1.amazonaws.com`, `minio.storage.svc:9000`). */
  readonly endpoint: string;
  /** Bucket name. */
  readonly bucket: string;
  /** Region. @default 'us-east-1' */
  readonly region?: string;
  /** Use plain HTTP instead of HTTPS (in-cluster MinIO). @default false */
  readonly insecure?: boolean;
  /** Path-style addressing (MinIO and most non-AWS stores need it). @default true */
  readonly forcePathStyle?: boolean;
  /** Access key id and secret access key, read from a Secret; never written literally. */
  readonly credentials: {
    readonly accessKeyId: SecretKeyRef;
    readonly secretAccessKey: SecretKeyRef;
  };
}

export interface StorageOptions {
  /** Local volume (always present). */
  readonly volume?: VolumeOptions;
  /** Put long-term data in this bucket instead of the local volume. @default none (local volume only) */
  readonly s3?: S3BucketOptions;
}

/** Environment variable names the S3 credentials are exposed under (and referenced as `${VAR}` in configs). */
export const S3_ACCESS_KEY_ENV = 'S3_ACCESS_KEY_ID';
export const S3_SECRET_KEY_ENV = 'S3_SECRET_ACCESS_KEY';

/** Container env entries that read S3 credentials from their Secret. */
export function s3CredentialEnv(s3: S3BucketOptions): { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }[] {
  return [
    { name: S3_ACCESS_KEY_ENV, valueFrom: { secretKeyRef: { name: s3.credentials.accessKeyId.name, key: s3.credentials.accessKeyId.key } } },
    { name: S3_SECRET_KEY_ENV, valueFrom: { secretKeyRef: { name: s3.credentials.secretAccessKey.name, key: s3.credentials.secretAccessKey.key } } },
  ];
}

/** Validation rules for storage options under a field path (e.g. `loki.storage`). */
export function storageRules(field: string, s: StorageOptions | undefined): Rule[] {
  const rules: Rule[] = [
    { field: `${field}.volume.size`, value: s?.volume?.size, ok: is.quantity, allowed: is.quantityAllowed },
    { field: `${field}.volume.storageClassName`, value: s?.volume?.storageClassName, ok: is.dnsSubdomain, allowed: is.dnsSubdomainAllowed },
  ];
  if (s?.s3) {
    const s3 = s.s3;
    rules.push(
      {
        field: `${field}.s3.endpoint`,
        value: s3.endpoint,
        required: true,
        ok: (v: string) => /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(v),
        allowed: 'a host with optional port and no scheme, such as "s3.eu-west-1.amazonaws.com" or "minio.storage.svc:9000"',
      },
      {
        field: `${field}.s3.bucket`,
        value: s3.bucket,
        required: true,
        ok: (v: string) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v),
        allowed: 'an S3 bucket name: 3-63 lower-case letters, digits, "." or "-"',
      },
      { field: `${field}.s3.region`, value: s3.region, ok: (v: string) => /^[a-z0-9-]+$/.test(v), allowed: 'a region name such as "eu-west-1"' },
      ...secretRefRules(`${field}.s3.credentials.accessKeyId`, s3.credentials?.accessKeyId),
      ...secretRefRules(`${field}.s3.credentials.secretAccessKey`, s3.credentials?.secretAccessKey),
    );
  }
  return rules;
}

/** Validation rules for a Secret key reference. */
export function secretRefRules(field: string, ref: SecretKeyRef | undefined): Rule[] {
  return [
    { field: `${field}.name`, value: ref?.name, required: true, ok: is.dnsSubdomain, allowed: `a Secret name (${is.dnsSubdomainAllowed})` },
    {
      field: `${field}.key`,
      value: ref?.key,
      required: true,
      ok: (v: string) => /^[-._a-zA-Z0-9]+$/.test(v),
      allowed: 'a Secret data key: letters, digits, "-", "_" or "."',
    },
  ];
}
