/**
 * Runs a real program the way its pod would run it, without a container
 * runtime: in a private mount namespace, chrooted into a root made of the
 * host's /usr (read-only), a copy of /etc whose hosts file maps cluster DNS
 * names to loopback addresses, the pod's volumes materialised at their mount
 * paths (ConfigMaps and Secrets as files, emptyDirs and PVCs as writable
 * folders), the service-account token where the pod spec mounts one, a
 * read-only root filesystem, and the container's uid/gid. The program gets
 * the container's args byte for byte.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Server } from './proc';

export interface PodVolume {
  /** Mount path inside the pod. */
  readonly mountPath: string;
  /** Files (relative path → content) of a ConfigMap/Secret/projected volume; absent for writable folders. */
  readonly files?: Record<string, string | Buffer>;
  /** File mode of `files`. @default 0o644 */
  readonly mode?: number;
  /** A host folder to use as is (e.g. a PVC that outlives the process). */
  readonly hostDir?: string;
  readonly readOnly?: boolean;
}

export interface PodRunSpec {
  readonly name: string;
  /** Scratch folder of this pod (its root and volumes live under it). */
  readonly dir: string;
  /** The program on the host, bind-mounted into the pod at /verify-bin/<basename>. */
  readonly binary: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly volumes: readonly PodVolume[];
  /** Lines of the pod's /etc/hosts after localhost. */
  readonly hosts: readonly string[];
  readonly runAs: { readonly user: number; readonly group: number };
  /** @default true */
  readonly readOnlyRootFilesystem?: boolean;
  /** The pod's network namespace (see netns.ts). @default the host's */
  readonly netns?: string;
}

function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Writes the pod's volumes and the script that enters it; returns the command to spawn. */
export function preparePod(p: PodRunSpec): { cmd: string; args: string[] } {
  fs.mkdirSync(p.dir, { recursive: true });
  const root = path.join(p.dir, 'root');
  fs.rmSync(root, { recursive: true, force: true });
  for (const d of ['usr', 'etc', 'dev', 'proc', 'verify-bin']) fs.mkdirSync(path.join(root, d), { recursive: true });
  for (const l of ['bin', 'sbin', 'lib', 'lib64']) {
    const target = fs.readlinkSync(`/${l}`);
    fs.symlinkSync(target, path.join(root, l));
  }
  fs.cpSync('/etc', path.join(root, 'etc'), { recursive: true, dereference: false, verbatimSymlinks: true, errorOnExist: false, filter: (src) => !src.startsWith('/etc/ssl/private') });
  fs.writeFileSync(path.join(root, 'etc', 'hosts'), ['127.0.0.1 localhost', ...p.hosts, ''].join('\n'));
  // Cluster names resolve through /etc/hosts; lookups of anything else (gRPC's
  // service-config TXT records, say) must fail fast instead of timing out on
  // the host's unreachable resolver: nothing listens on the pod's loopback :53.
  fs.writeFileSync(path.join(root, 'etc', 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  const binName = path.basename(p.binary);
  fs.writeFileSync(path.join(root, 'verify-bin', binName), '');

  const lines = ['set -eu', 'mount --make-rprivate /', `R=${sh(root)}`, 'mount --bind "$R" "$R"', 'mount --rbind /usr "$R/usr"', 'mount -o remount,ro,bind "$R/usr"'];
  lines.push('mount --rbind /dev "$R/dev"', 'mount --rbind /proc "$R/proc"', `mount --bind ${sh(p.binary)} "$R/verify-bin/${binName}"`);
  p.volumes.forEach((v, i) => {
    const inPod = path.join(root, v.mountPath);
    fs.mkdirSync(inPod, { recursive: true });
    let src = v.hostDir;
    if (!src) {
      src = path.join(p.dir, 'volumes', String(i));
      fs.rmSync(src, { recursive: true, force: true });
      fs.mkdirSync(src, { recursive: true });
      if (v.files) {
        for (const [rel, content] of Object.entries(v.files)) {
          const f = path.join(src, rel);
          fs.mkdirSync(path.dirname(f), { recursive: true });
          fs.writeFileSync(f, content);
          fs.chmodSync(f, v.mode ?? 0o644);
          // The kubelet gives volume files the pod's fsGroup.
          fs.chownSync(f, 0, p.runAs.group);
        }
        fs.chmodSync(src, 0o755);
      } else {
        fs.chownSync(src, p.runAs.user, p.runAs.group);
        fs.chmodSync(src, 0o770);
      }
    }
    lines.push(`mount --bind ${sh(src)} ${sh(inPod)}`);
    if (v.readOnly || v.files) lines.push(`mount -o remount,ro,bind ${sh(inPod)}`);
  });
  if (p.readOnlyRootFilesystem ?? true) lines.push('mount -o remount,ro,bind "$R"');
  const envArgs = Object.entries(p.env).map(([k, v]) => sh(`${k}=${v}`));
  lines.push(`exec chroot --userspec=${p.runAs.user}:${p.runAs.group} "$R" /usr/bin/env -i ${envArgs.join(' ')} /verify-bin/${binName} ${p.args.map(sh).join(' ')}`);
  const script = path.join(p.dir, 'enter.sh');
  fs.writeFileSync(script, `${lines.join('\n')}\n`);
  const enter = ['unshare', '-m', '--', 'bash', script];
  return p.netns ? { cmd: 'ip', args: ['netns', 'exec', p.netns, ...enter] } : { cmd: enter[0], args: enter.slice(1) };
}

/** Starts the pod's program; its output goes to `<dir>/log`. */
export function startPod(p: PodRunSpec): Server {
  const { cmd, args } = preparePod(p);
  return new Server(p.name, cmd, args, path.join(p.dir, 'log'));
}
