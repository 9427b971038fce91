import { k8s } from 'cdk8s-plus-28';

/**
 * Security contexts that satisfy the Kubernetes "restricted" Pod Security
 * Standard: non-root, no privilege escalation, all capabilities dropped,
 * seccomp RuntimeDefault, and a read-only root filesystem (writable paths are
 * explicit volumes).
 */

/** The numeric user and group a container image runs as. */
export interface RunAs {
  readonly user: number;
  readonly group: number;
}

/** Pod-level security context for the restricted profile. */
export function restrictedPodSecurityContext(runAs: RunAs): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: runAs.user,
    runAsGroup: runAs.group,
    fsGroup: runAs.group,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context for the restricted profile. */
export function restrictedContainerSecurityContext(runAs: RunAs): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: runAs.user,
    runAsGroup: runAs.group,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
