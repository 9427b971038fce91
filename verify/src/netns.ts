/**
 * Pod networking without a container runtime: one Linux network namespace per
 * pod, each with a veth into a bridge in the host namespace, so every pod has
 * its own IP and can listen on 0.0.0.0:<port> as it would in Kubernetes. The
 * host (this process, the API servers) is the bridge's address.
 *
 * Names and the /16 subnet are this process's own (derived from its pid), so
 * two verification runs on one machine do not touch each other's pods; the
 * leftovers of a run that died are removed by the next.
 */
import * as fs from 'fs';
import { run, runOk } from './proc';

const PREFIX = 'lgv';
const tag = (pid: number) => pid.toString(36);
const OWN = tag(process.pid);

/** This run's subnet: 10.<64..191>.0.0/16. */
const SUBNET = 64 + (process.pid % 128);
export const BRIDGE = `${PREFIX}b${OWN}`;
export const HOST_IP = `10.${SUBNET}.0.1`;

export interface PodNet {
  readonly ns: string;
  readonly ip: string;
}

export class PodNetwork {
  private count = 0;

  /** Creates the bridge (removing leftovers of runs that died first). */
  public async start(): Promise<void> {
    await PodNetwork.cleanup();
    await runOk('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    await runOk('ip', ['addr', 'add', `${HOST_IP}/16`, 'dev', BRIDGE]);
    await runOk('ip', ['link', 'set', BRIDGE, 'up']);
  }

  /** A new pod network namespace with the next free address. */
  public async add(): Promise<PodNet> {
    const n = ++this.count;
    const ns = `${PREFIX}-${OWN}-${n}`;
    const ip = `10.${SUBNET}.${Math.floor(n / 250) + 1}.${(n % 250) + 2}`;
    const veth = `${PREFIX}h${OWN}x${n}`;
    await runOk('ip', ['netns', 'add', ns]);
    await runOk('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await runOk('ip', ['link', 'set', veth, 'master', BRIDGE]);
    await runOk('ip', ['link', 'set', veth, 'up']);
    await runOk('ip', ['-n', ns, 'addr', 'add', `${ip}/16`, 'dev', 'eth0']);
    await runOk('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    await runOk('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await runOk('ip', ['-n', ns, 'route', 'add', 'default', 'via', HOST_IP]);
    return { ns, ip };
  }

  /** Removes this run's namespaces and bridge. */
  public async stop(): Promise<void> {
    await PodNetwork.cleanup((t) => t === OWN);
  }

  /** Removes namespaces and bridges of runs matching `which` (default: runs whose process is gone). */
  public static async cleanup(which: (tag: string) => boolean = (t) => !alive(parseInt(t, 36))): Promise<void> {
    const list = await run('ip', ['netns', 'list']);
    for (const line of list.stdout.split('\n')) {
      const ns = line.split(' ')[0];
      const m = new RegExp(`^${PREFIX}-([0-9a-z]+)-\\d+$`).exec(ns);
      if (m && which(m[1])) await run('ip', ['netns', 'del', ns]);
    }
    const links = await run('ip', ['-o', 'link', 'show', 'type', 'bridge']);
    for (const l of links.stdout.split('\n')) {
      const m = new RegExp(`^\\d+: (${PREFIX}b([0-9a-z]+))[:@]`).exec(l);
      if (m && which(m[2])) await run('ip', ['link', 'del', m[1]]);
    }
  }
}

function alive(pid: number): boolean {
  return Number.isFinite(pid) && fs.existsSync(`/proc/${pid}`);
}
