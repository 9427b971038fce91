/** Child processes: one-shot commands and long-running servers with log files. */
import { ChildProcess, spawn, SpawnOptions } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  /** Kill the command after this many milliseconds. @default 10 minutes */
  readonly timeoutMs?: number;
  /** Stream output to this process's stdout/stderr as well. @default false */
  readonly echo?: boolean;
}

/** Runs a command to completion and collects its output. */
export function run(cmd: string, args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (o.echo) process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (o.echo) process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 600_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // a command that does not read its stdin
    child.stdin.end(o.input ?? '');
  });
}

/** Runs a command and throws (with its output) unless it exits 0. */
export async function runOk(cmd: string, args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, o);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`.trim());
  return r;
}

/** A long-running process whose output goes to a log file. */
export class Server {
  public readonly child: ChildProcess;
  private exited: Promise<number | null>;
  private exitCode?: number | null;

  constructor(
    public readonly name: string,
    cmd: string,
    args: readonly string[],
    public readonly logFile: string,
    o: SpawnOptions = {},
  ) {
    fs.mkdirSync(require('path').dirname(logFile), { recursive: true });
    const log = fs.openSync(logFile, 'a');
    this.child = spawn(cmd, args, { ...o, stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      this.exitCode = code;
      resolve(code);
    }));
    SERVERS.add(this);
  }

  public get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The last lines of the log (for failure messages). */
  public tail(lines = 40): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Stops the process group: SIGTERM, then SIGKILL after `graceMs`. */
  public async stop(graceMs = 15_000): Promise<number | null> {
    SERVERS.delete(this);
    if (!this.running) return this.exitCode ?? null;
    try {
      process.kill(-this.child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-this.child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

const SERVERS = new Set<Server>();

/** Stops every server still running (on exit or failure). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...SERVERS].map((s) => s.stop(5_000)));
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    for (const s of SERVERS) {
      try {
        process.kill(-s.child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    process.exit(130);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000, server?: Server): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    if (server && !server.running) throw new Error(`${server.name} exited while waiting for ${what}:\n${server.tail()}`);
    try {
      if (await probe()) return;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}${server ? `\n${server.tail()}` : ''}`);
}

/** True when a TCP connection to host:port succeeds. */
export function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
