import { containers } from './synth';

const POD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);

/**
 * Violations of the Kubernetes "restricted" Pod Security Standard, plus this
 * package's own rules (read-only root filesystem, explicit requests and limits,
 * probes, pinned images, no literal secrets in env).
 */
export function podPolicyViolations(objects: any[]): string[] {
  const out: string[] = [];
  for (const o of objects.filter((x) => POD_KINDS.has(x.kind))) {
    const where = `${o.kind}/${o.metadata.name}`;
    const pod = o.spec.template.spec;
    const psc = pod.securityContext ?? {};
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push(`${where}: host namespaces`);
    for (const v of pod.volumes ?? []) if (v.hostPath) out.push(`${where}: hostPath volume ${v.name}`);
    for (const c of containers(o)) {
      const w = `${where}/${c.name}`;
      const sc = c.securityContext ?? {};
      if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) out.push(`${w}: runAsNonRoot not true`);
      if ((sc.runAsUser ?? psc.runAsUser) === 0) out.push(`${w}: runs as uid 0`);
      if (sc.allowPrivilegeEscalation !== false) out.push(`${w}: allowPrivilegeEscalation not false`);
      if (sc.privileged) out.push(`${w}: privileged`);
      const drop: string[] = sc.capabilities?.drop ?? [];
      if (!drop.includes('ALL')) out.push(`${w}: capabilities not dropping ALL`);
      const add: string[] = sc.capabilities?.add ?? [];
      if (add.some((a) => a !== 'NET_BIND_SERVICE')) out.push(`${w}: adds capabilities ${add}`);
      const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${w}: seccomp profile ${seccomp}`);
      if (sc.readOnlyRootFilesystem !== true) out.push(`${w}: root filesystem not read-only`);
      for (const k of ['cpu', 'memory']) {
        if (!c.resources?.requests?.[k]) out.push(`${w}: no ${k} request`);
        if (!c.resources?.limits?.[k]) out.push(`${w}: no ${k} limit`);
      }
      if (!c.readinessProbe) out.push(`${w}: no readiness probe`);
      if (!c.livenessProbe) out.push(`${w}: no liveness probe`);
      if (!/:[\w][\w.-]*$/.test(c.image) || c.image.endsWith(':latest')) out.push(`${w}: image not pinned (${c.image})`);
      for (const e of c.env ?? []) {
        // A switch ("true"/"false", e.g. GF_PLUGINS_PUBLIC_KEY_RETRIEVAL_DISABLED) carries no credential.
        if (/PASSWORD|SECRET|TOKEN|KEY/i.test(e.name) && e.value !== undefined && !/__FILE$/.test(e.name) && !['true', 'false'].includes(String(e.value))) {
          out.push(`${w}: env ${e.name} has a literal value; use a Secret reference`);
        }
      }
    }
  }
  return out;
}
