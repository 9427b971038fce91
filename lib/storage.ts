import { SecretKeyRefSchema } from './endpoint';
import { Bool, Obj, Opt, Static, Str } from './schema';
import { DNS1123_SUBDOMAIN_ALLOWED, DNS1123_SUBDOMAIN_PATTERN, HOST_PORT_ALLOWED, HOST_PORT_PATTERN, QUANTITY_PATTERN } from './values';

/**
 * Storage choices shared by the backends. Data always has a local PVC (for
 * Loki/Tempo it holds WAL and index caches, for Prometheus the TSDB); with an
 * S3-compatible bucket the long-term blocks/chunks go to the bucket.
 */

/** A PersistentVolumeClaim per replica. */
export const VolumeSchema = Obj(
  {
    size: Opt(Str(QUANTITY_PATTERN, 'a Kubernetes quantity greater than zero, such as "10Gi"', { doc: 'PVC size.' })),
    storageClassName: Opt(Str(DNS1123_SUBDOMAIN_PATTERN, `a StorageClass name (${DNS1123_SUBDOMAIN_ALLOWED})`, { maxLength: 253, doc: "StorageClass; the cluster's default when unset." })),
  },
  { doc: 'The local PersistentVolumeClaim.' },
);
export type VolumeOptions = Static<typeof VolumeSchema>;

/** An S3 bucket name (AWS rules: 3-63 lower-case letters, digits, "." and "-", alphanumeric at both ends). */
export const S3_BUCKET_PATTERN = '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$';

/** An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, GCS interop, R2...). */
export const S3BucketSchema = Obj(
  {
    endpoint: Str(HOST_PORT_PATTERN, HOST_PORT_ALLOWED, { doc: 'Endpoint host, with optional port, without scheme.' }),
    bucket: Str(S3_BUCKET_PATTERN, 'an S3 bucket name: 3-63 lower-case letters, digits, "." or "-", alphanumeric at both ends', { doc: 'Bucket name.' }),
    region: Opt(Str('^[a-z0-9][-a-z0-9]{0,62}$', 'a region name such as "eu-west-1"', { doc: 'Region.', default: 'us-east-1' })),
    insecure: Opt(Bool({ doc: 'Use plain HTTP instead of HTTPS (in-cluster MinIO).', default: 'false' })),
    forcePathStyle: Opt(Bool({ doc: 'Path-style addressing (MinIO and most non-AWS stores need it).', default: 'true' })),
    credentials: Opt(
      Obj(
        { accessKeyId: SecretKeyRefSchema, secretAccessKey: SecretKeyRefSchema },
        {
          doc: "Access key id and secret access key, read from Secrets into the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY env; never written literally.",
          default: "none: the pod's identity (IRSA, workload identity) or the SDK's other sources",
          sensitive: true,
        },
      ),
    ),
  },
  { doc: 'Put long-term data in this S3-compatible bucket instead of the local volume.' },
);
export type S3BucketOptions = Static<typeof S3BucketSchema>;

/** Local volume and optional bucket. */
export const StorageSchema = Obj(
  { volume: Opt(VolumeSchema), s3: Opt(S3BucketSchema) },
  { doc: 'Where data is stored: the local volume (always present) and optionally an S3-compatible bucket.' },
);
export type StorageOptions = Static<typeof StorageSchema>;

/**
 * Environment variables the S3 credentials are given in: the AWS SDK's own
 * (its default credential chain reads them: aws-sdk-go-v2 in Loki, minio-go
 * `credentials.EnvAWS` in Tempo). They are never referenced from the config
 * files, so no credential is substituted into config text (where a value with
 * `: ` or ` #` would break the YAML or be cut short).
 */
export const S3_ACCESS_KEY_ENV = 'AWS_ACCESS_KEY_ID';
export const S3_SECRET_KEY_ENV = 'AWS_SECRET_ACCESS_KEY';

/** Container env entries that read S3 credentials from their Secret (none without `credentials`: the pod's identity is used). */
export function s3CredentialEnv(s3: S3BucketOptions): { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }[] {
  const c = s3.credentials;
  if (!c) return [];
  return [
    { name: S3_ACCESS_KEY_ENV, valueFrom: { secretKeyRef: { name: c.accessKeyId.name, key: c.accessKeyId.key } } },
    { name: S3_SECRET_KEY_ENV, valueFrom: { secretKeyRef: { name: c.secretAccessKey.name, key: c.secretAccessKey.key } } },
  ];
}

/** The port an S3 endpoint is dialled on: the one in `host:port`, else 80 with `insecure`, else 443. */
export function s3Port(s3: Pick<S3BucketOptions, 'endpoint' | 'insecure'>): number {
  const m = /:([0-9]+)$/.exec(s3.endpoint);
  return m ? Number(m[1]) : s3.insecure ? 80 : 443;
}
