/**
 * From a rendered workload to a {@link PodRunSpec}: the container's args and
 * env, and every volume it mounts, materialised from the rendered ConfigMaps
 * and from Secret data the harness provides (as the user would create it).
 */
import * as path from 'path';
import { PodRunSpec, PodVolume } from './pod';
import { configMap, containerEnv, K8sObject, podSpec } from './render';

export interface PodContext {
  /** Scratch folder of this pod. */
  readonly dir: string;
  /** The program standing in for the image's entrypoint. */
  readonly binary: string;
  /** /etc/hosts lines (cluster DNS names → loopback addresses). */
  readonly hosts: readonly string[];
  /** Secret data by Secret name → key → value (the prerequisites the user creates). */
  readonly secrets: Record<string, Record<string, string>>;
  /** Downward-API values (spec.nodeName, …). */
  readonly fieldValues: Record<string, string>;
  /** The API server, for pods that mount a service-account token. */
  readonly api?: { readonly host: string; readonly port: number; readonly ca: string; readonly token: string };
  /** Host folders backing PersistentVolumeClaims / emptyDirs by volume name (to outlive a restart). */
  readonly persistentDirs?: Record<string, string>;
  /** Extra args appended (never replacing the rendered ones). */
  readonly extraArgs?: readonly string[];
  /** The pod's network namespace. */
  readonly netns?: string;
}

function keyedFiles(data: Record<string, string>, items: { key: string; path: string }[] | undefined, what: string): Record<string, string> {
  if (!items) return { ...data };
  const out: Record<string, string> = {};
  for (const i of items) {
    if (data[i.key] === undefined) throw new Error(`${what} has no key ${i.key}`);
    out[i.path] = data[i.key];
  }
  return out;
}

export function podRunSpec(objects: K8sObject[], w: K8sObject, ctx: PodContext): PodRunSpec {
  const spec = podSpec(w);
  const c = spec.containers[0];
  const ns = w.metadata.namespace!;
  const volumes: PodVolume[] = [];
  for (const m of c.volumeMounts ?? []) {
    const v = spec.volumes?.find((x: any) => x.name === m.name);
    const claim = w.spec.volumeClaimTemplates?.find((t: any) => t.metadata.name === m.name);
    if (claim || v?.emptyDir) {
      volumes.push({ mountPath: m.mountPath, hostDir: ctx.persistentDirs?.[m.name] });
    } else if (v?.configMap) {
      const cm = configMap(objects, v.configMap.name, ns);
      volumes.push({ mountPath: m.mountPath, files: keyedFiles(cm.data, v.configMap.items, `ConfigMap ${v.configMap.name}`), readOnly: true });
    } else if (v?.secret) {
      const data = ctx.secrets[v.secret.secretName];
      if (!data) throw new Error(`${w.metadata.name}: Secret ${v.secret.secretName} is not among the provided prerequisites`);
      volumes.push({ mountPath: m.mountPath, files: keyedFiles(data, v.secret.items, `Secret ${v.secret.secretName}`), mode: v.secret.defaultMode ?? 0o644, readOnly: true });
    } else if (v?.projected) {
      const files: Record<string, string> = {};
      for (const s of v.projected.sources ?? []) {
        if (!s.configMap) throw new Error(`${w.metadata.name}: unsupported projected source ${JSON.stringify(s)}`);
        Object.assign(files, keyedFiles(configMap(objects, s.configMap.name, ns).data, s.configMap.items, `ConfigMap ${s.configMap.name}`));
      }
      volumes.push({ mountPath: m.mountPath, files, readOnly: true });
    } else {
      throw new Error(`${w.metadata.name}: unsupported volume ${m.name}`);
    }
  }
  const env: Record<string, string> = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/', HOSTNAME: ctx.fieldValues['metadata.name'] ?? w.metadata.name };
  if (spec.automountServiceAccountToken) {
    if (!ctx.api) throw new Error(`${w.metadata.name} mounts a service-account token but no API server was given`);
    volumes.push({
      mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      files: { token: ctx.api.token, 'ca.crt': ctx.api.ca, namespace: ns },
      mode: 0o644,
      readOnly: true,
    });
    env.KUBERNETES_SERVICE_HOST = ctx.api.host;
    env.KUBERNETES_SERVICE_PORT = String(ctx.api.port);
  }
  Object.assign(env, containerEnv(c, ctx.fieldValues));
  const sc = spec.securityContext ?? {};
  return {
    name: w.metadata.name,
    dir: ctx.dir,
    binary: ctx.binary,
    args: [...(c.args ?? []), ...(ctx.extraArgs ?? [])],
    env,
    volumes,
    hosts: ctx.hosts,
    runAs: { user: c.securityContext?.runAsUser ?? sc.runAsUser, group: c.securityContext?.runAsGroup ?? sc.runAsGroup },
    readOnlyRootFilesystem: c.securityContext?.readOnlyRootFilesystem ?? false,
    netns: ctx.netns,
  };
}

export const podDir = (base: string, cluster: string, name: string) => path.join(base, 'pods', cluster, name);
