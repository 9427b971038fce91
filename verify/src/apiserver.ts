/**
 * A Kubernetes control plane on loopback, the way controller-runtime's envtest
 * runs one: etcd and kube-apiserver only (no kubelet, no controllers), RBAC
 * authorization, the default admission plugins (PodSecurity among them),
 * service-account tokens signed by a test key, and an admin kubeconfig
 * (client certificate in system:masters).
 */
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import { makeCa, makeKeyPair, makeLeaf } from './pki';
import { bin, CRDS } from './paths';
import { freePort, run, RunResult, Server, waitFor } from './proc';

export class ApiServer {
  public kubeconfig = '';
  public url = '';
  public caFile = '';
  private etcd?: Server;
  private apiserver?: Server;
  private clientCert = '';
  private clientKey = '';

  /** The address pods reach the API server at (see netns.ts), when pods run. */
  public podHost?: string;
  public port = 0;

  constructor(
    public readonly name: string,
    public readonly dir: string,
    private readonly opts: {
      readonly podHost?: string;
      /**
       * Also run kube-controller-manager (garbage collector, namespace
       * controller, …): deletes then finish as in a real cluster. No
       * scheduler and no kubelet, so pods stay Pending.
       */
      readonly controllers?: boolean;
    } = {},
  ) {}

  public async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    const pki = path.join(this.dir, 'pki');
    const ca = await makeCa(pki, 'ca');
    const serving = await makeLeaf(pki, 'apiserver', ca, { cn: 'kube-apiserver', dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'], ips: ['127.0.0.1', '10.0.0.1', ...(this.opts.podHost ? [this.opts.podHost] : [])] });
    const admin = await makeLeaf(pki, 'admin', ca, { cn: 'verify-admin', org: 'system:masters', client: true });
    const sa = await makeKeyPair(pki, 'sa');
    this.caFile = ca.cert;
    this.clientCert = admin.cert;
    this.clientKey = admin.key;

    const [etcdClient, etcdPeer, port] = [await freePort(), await freePort(), await freePort()];
    this.etcd = new Server(`${this.name}-etcd`, bin('etcd'), [
      `--name=${this.name}`,
      `--data-dir=${path.join(this.dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=${this.name}=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ], path.join(this.dir, 'etcd.log'));
    this.url = `https://127.0.0.1:${port}`;
    this.port = port;
    this.podHost = this.opts.podHost;
    this.apiserver = new Server(`${this.name}-apiserver`, bin('kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      `--cert-dir=${path.join(this.dir, 'certs')}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--client-ca-file=${ca.cert}`,
      `--bind-address=${this.opts.podHost ? '0.0.0.0' : '127.0.0.1'}`,
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${sa.pub}`,
      `--service-account-signing-key-file=${sa.priv}`,
      '--allow-privileged=false',
      '--enable-priority-and-fairness=false',
      '--endpoint-reconciler-type=none',
      '--v=0',
    ], path.join(this.dir, 'apiserver.log'));
    this.kubeconfig = path.join(this.dir, 'kubeconfig');
    fs.writeFileSync(this.kubeconfig, this.kubeconfigYaml(this.name));
    await waitFor(`${this.name} API server /readyz`, () => this.ready(), 120_000, this.apiserver);
    if (this.opts.controllers) {
      this.controllerManager = new Server(`${this.name}-controller-manager`, bin('kube-controller-manager'), [
        `--kubeconfig=${this.kubeconfig}`,
        `--authentication-kubeconfig=${this.kubeconfig}`,
        `--authorization-kubeconfig=${this.kubeconfig}`,
        `--service-account-private-key-file=${sa.priv}`,
        `--root-ca-file=${ca.cert}`,
        '--use-service-account-credentials=false',
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--v=0',
      ], path.join(this.dir, 'controller-manager.log'));
    }
  }

  private controllerManager?: Server;

  /** An admin kubeconfig with one context named `context`. */
  public kubeconfigYaml(context: string): string {
    const b64 = (f: string) => fs.readFileSync(f).toString('base64');
    return [
      'apiVersion: v1',
      'kind: Config',
      `current-context: ${context}`,
      'clusters:',
      `- name: ${context}`,
      '  cluster:',
      `    server: ${this.url}`,
      `    certificate-authority-data: ${b64(this.caFile)}`,
      'users:',
      `- name: ${context}-admin`,
      '  user:',
      `    client-certificate-data: ${b64(this.clientCert)}`,
      `    client-key-data: ${b64(this.clientKey)}`,
      'contexts:',
      `- name: ${context}`,
      '  context:',
      `    cluster: ${context}`,
      `    user: ${context}-admin`,
      '',
    ].join('\n');
  }

  private ready(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = https.get(
        `${this.url}/readyz`,
        { ca: fs.readFileSync(this.caFile), cert: fs.readFileSync(this.clientCert), key: fs.readFileSync(this.clientKey), timeout: 2000 },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on('error', () => resolve(false));
    });
  }

  /** Runs kubectl against this server. */
  public kubectl(args: readonly string[], input?: string): Promise<RunResult> {
    return run(bin('kubectl'), [`--kubeconfig=${this.kubeconfig}`, ...args], { input, timeoutMs: 300_000 });
  }

  /** Runs kubectl and throws unless it exits 0. */
  public async kubectlOk(args: readonly string[], input?: string): Promise<RunResult> {
    const r = await this.kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    return r;
  }

  /** Installs the shared CRDs (../shared/crds) and waits until they are established. */
  public async installCrds(): Promise<string[]> {
    const files = fs.readdirSync(CRDS).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(CRDS, f));
    for (const f of files) await this.kubectlOk(['apply', '--server-side', '--field-manager=verify', '-f', f]);
    const names = (await this.kubectlOk(['get', 'crd', '-o', 'jsonpath={.items[*].metadata.name}'])).stdout.split(/\s+/).filter(Boolean);
    await this.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', ...names.map((n) => `crd/${n}`)]);
    return names;
  }

  /** A service-account token (TokenRequest), as a projected token volume would hold it. */
  public async token(namespace: string, serviceAccount: string): Promise<string> {
    return (await this.kubectlOk(['-n', namespace, 'create', 'token', serviceAccount, '--duration=2h'])).stdout.trim();
  }

  public async stop(): Promise<void> {
    await this.controllerManager?.stop();
    await this.apiserver?.stop();
    await this.etcd?.stop();
  }
}
