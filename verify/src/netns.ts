/**
 * Pod networking without a container runtime: one Linux network namespace per
 * pod, each with a veth into a bridge in the host namespace, so every pod has
 * its own IP and can listen on 0.0.0.0:<port> as it would in Kubernetes. The
 * host (this process, the API servers) is the bridge's address.
 */
import { run, runOk } from './proc';

export const BRIDGE = 'lgtmv0';
export const HOST_IP = '10.77.0.1';
const PREFIX = 'lgtmv';

export interface PodNet {
  readonly ns: string;
  readonly ip: string;
}

export class PodNetwork {
  private count = 0;
  private readonly namespaces: string[] = [];

  /** Creates the bridge (removing leftovers of an interrupted run first). */
  public async start(): Promise<void> {
    await PodNetwork.cleanup();
    await runOk('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    await runOk('ip', ['addr', 'add', `${HOST_IP}/16`, 'dev', BRIDGE]);
    await runOk('ip', ['link', 'set', BRIDGE, 'up']);
  }

  /** A new pod network namespace with the next free address. */
  public async add(): Promise<PodNet> {
    const n = ++this.count;
    const ns = `${PREFIX}-${n}`;
    const ip = `10.77.${Math.floor(n / 250) + 1}.${(n % 250) + 2}`;
    const veth = `${PREFIX}h${n}`;
    await runOk('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await runOk('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await runOk('ip', ['link', 'set', veth, 'master', BRIDGE]);
    await runOk('ip', ['link', 'set', veth, 'up']);
    await runOk('ip', ['-n', ns, 'addr', 'add', `${ip}/16`, 'dev', 'eth0']);
    await runOk('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    await runOk('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await runOk('ip', ['-n', ns, 'route', 'add', 'default', 'via', HOST_IP]);
    return { ns, ip };
  }

  public async stop(): Promise<void> {
    await PodNetwork.cleanup();
  }

  /** Removes every namespace and the bridge this harness made (also those of an earlier, interrupted run). */
  public static async cleanup(): Promise<void> {
    const list = await run('ip', ['netns', 'list']);
    for (const line of list.stdout.split('\n')) {
      const ns = line.split(' ')[0];
      if (ns.startsWith(`${PREFIX}-`)) await run('ip', ['netns', 'del', ns]);
    }
    await run('ip', ['link', 'del', BRIDGE]);
  }
}
