/** Test certificates and keys, made with openssl in a scratch folder (never committed, never reused). */
import * as fs from 'fs';
import * as path from 'path';
import { runOk } from './proc';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

/** A certificate authority in `dir`. */
export async function makeCa(dir: string, name: string): Promise<CertFiles> {
  fs.mkdirSync(dir, { recursive: true });
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  await runOk('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`]);
  return { cert, key };
}

/**
 * A leaf certificate signed by `ca`: `dns` and `ips` become subject
 * alternative names; `org` the subject organisation (Kubernetes groups).
 */
export async function makeLeaf(dir: string, name: string, ca: CertFiles, o: { cn: string; org?: string; dns?: string[]; ips?: string[]; client?: boolean }): Promise<CertFiles> {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.crt`);
  const ext = path.join(dir, `${name}.ext`);
  const san = [...(o.dns ?? []).map((d) => `DNS:${d}`), ...(o.ips ?? []).map((i) => `IP:${i}`)];
  fs.writeFileSync(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature,keyEncipherment',
      `extendedKeyUsage=${o.client ? 'clientAuth' : 'serverAuth,clientAuth'}`,
      ...(san.length ? [`subjectAltName=${san.join(',')}`] : []),
    ].join('\n'),
  );
  const subj = `/CN=${o.cn}${o.org ? `/O=${o.org}` : ''}`;
  await runOk('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', subj]);
  await runOk('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { cert, key };
}

/** An RSA key pair (service-account token signing). */
export async function makeKeyPair(dir: string, name: string): Promise<{ priv: string; pub: string }> {
  const priv = path.join(dir, `${name}.key`);
  const pub = path.join(dir, `${name}.pub`);
  await runOk('openssl', ['genrsa', '-out', priv, '2048']);
  await runOk('openssl', ['rsa', '-in', priv, '-pubout', '-out', pub]);
  return { priv, pub };
}
