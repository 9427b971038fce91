/**
 * One simulated cluster: a real API server holding the rendered objects, one
 * network namespace (pod IP) per workload, Pod objects registered with those
 * IPs (so Kubernetes discovery and k8s_attributes see real pods through real
 * RBAC), and the real programs started in their pods with the rendered
 * configs byte for byte. Service DNS names resolve (through each pod's
 * /etc/hosts) to the IP of the pod behind the Service.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiServer } from './apiserver';
import { ensureNamespace, FIELD_MANAGER, foreignNamespaces } from './checks-kubernetes';
import { podRunSpec } from './kube-pod';
import { HOST_IP, PodNet, PodNetwork } from './netns';
import { ROOT } from './paths';
import { startPod } from './pod';
import { Server, waitFor } from './proc';
import { isWorkload, K8sObject, podSpec } from './render';

export const NODE_NAME = 'node-1';

/** A pod of the simulation: its network, Kubernetes identity and process. */
export interface SimPod {
  readonly name: string;
  readonly namespace: string;
  readonly net: PodNet;
  /** The workload it belongs to (absent for pods the harness adds). */
  readonly workload?: K8sObject;
  server?: Server;
  /** Folders that outlive a restart of the process (emptyDirs, PVCs), by volume name. */
  readonly persistentDirs: Record<string, string>;
}

function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export class SimCluster {
  public readonly api: ApiServer;
  public readonly pods = new Map<string, SimPod>();
  /** Extra DNS names (e.g. another cluster's gateway host) → IP. */
  public readonly extraHosts = new Map<string, string>();
  private readonly dir: string;

  constructor(
    public readonly name: string,
    public readonly objects: K8sObject[],
    baseDir: string,
    private readonly network: PodNetwork,
    /** Secret data by name → key → value (the prerequisites a user creates). */
    public readonly secrets: Record<string, Record<string, string>>,
  ) {
    this.dir = path.join(baseDir, name);
    this.api = new ApiServer(name, path.join(this.dir, 'apiserver'), { podHost: HOST_IP });
  }

  /** The API server with the CRDs, the user's namespaces and Secrets, and every rendered object applied. */
  public async startControlPlane(): Promise<void> {
    await this.api.start();
    await this.api.installCrds();
    for (const ns of foreignNamespaces(this.objects)) await ensureNamespace(this.api, ns);
    const file = path.join(this.dir, 'objects.json');
    fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: this.objects }));
    await this.api.kubectlOk(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--validate=strict', '-f', file]);
    for (const ns of this.objects.filter((o) => o.kind === 'Namespace')) {
      for (const [name, data] of Object.entries(this.secrets)) {
        const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns.metadata.name }, stringData: data };
        await this.api.kubectlOk(['apply', '--server-side', '--field-manager=verify-prerequisites', '-f', '-'], JSON.stringify(secret));
      }
    }
  }

  public workload(kind: string, name: string): K8sObject {
    const w = this.objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!w) throw new Error(`${this.name}: no ${kind}/${name} rendered`);
    return w;
  }

  /** One pod (network namespace) per rendered workload. */
  public async allocateWorkloadPods(): Promise<void> {
    for (const w of this.objects.filter(isWorkload)) {
      const name = this.podName(w);
      this.pods.set(w.metadata.name, { name, namespace: w.metadata.namespace!, net: await this.network.add(), workload: w, persistentDirs: {} });
    }
  }

  /** A pod the harness adds (an app, a kgateway proxy), keyed by `key`. */
  public async addPod(key: string, namespace: string, name: string): Promise<SimPod> {
    const pod: SimPod = { name, namespace, net: await this.network.add(), persistentDirs: {} };
    this.pods.set(key, pod);
    return pod;
  }

  public pod(key: string): SimPod {
    const p = this.pods.get(key);
    if (!p) throw new Error(`${this.name}: no pod ${key}`);
    return p;
  }

  private podName(w: K8sObject): string {
    switch (w.kind) {
      case 'StatefulSet':
        return `${w.metadata.name}-0`;
      case 'DaemonSet':
        return `${w.metadata.name}-n0de1`;
      default:
        return `${w.metadata.name}-5d8c7b9f4c-q7x2m`;
    }
  }

  /** /etc/hosts lines: every Service (and headless Service) name → the IP of its pod, plus extra names. */
  public hosts(): string[] {
    const lines: string[] = [];
    for (const svc of this.objects.filter((o) => o.kind === 'Service')) {
      const pod = [...this.pods.values()].find((p) => p.workload && labelsMatch(svc.spec.selector, p.workload.spec.template.metadata.labels));
      if (!pod) continue;
      const { name, namespace } = svc.metadata;
      lines.push(`${pod.net.ip} ${name}.${namespace}.svc ${name}.${namespace}.svc.cluster.local ${name}.${namespace}`);
    }
    for (const [host, ip] of this.extraHosts) lines.push(`${ip} ${host}`);
    return lines;
  }

  /** Registers a Pod object for every workload pod (from its template), owned like the controllers would own it, Running with its IP. */
  public async registerWorkloadPods(): Promise<void> {
    for (const p of this.pods.values()) {
      if (!p.workload) continue;
      const w = p.workload;
      const uid = await this.uid(w.kind, w.metadata.namespace!, w.metadata.name);
      let owner = { apiVersion: 'apps/v1', kind: w.kind, name: w.metadata.name, uid, controller: true, blockOwnerDeletion: true };
      let labels = w.spec.template.metadata.labels;
      if (w.kind === 'Deployment') {
        const rsName = p.name.split('-').slice(0, -1).join('-');
        // The Deployment controller labels the ReplicaSet and its pods with the template hash.
        labels = { ...labels, 'pod-template-hash': rsName.split('-').pop() };
        const rs = {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name: rsName, namespace: w.metadata.namespace, labels, ownerReferences: [owner] },
          spec: { replicas: 1, selector: w.spec.selector, template: w.spec.template },
        };
        await this.api.kubectlOk(['apply', '--server-side', '--field-manager=verify-controllers', '-f', '-'], JSON.stringify(rs));
        owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: await this.uid('ReplicaSet', w.metadata.namespace!, rsName), controller: true, blockOwnerDeletion: true };
      }
      // The StatefulSet controller adds a volume per claim template, bound to the claim `<template>-<pod>`.
      const claims = (w.spec.volumeClaimTemplates ?? []).map((t: any) => ({ name: t.metadata.name, persistentVolumeClaim: { claimName: `${t.metadata.name}-${p.name}` } }));
      const spec = { ...w.spec.template.spec, volumes: [...(w.spec.template.spec.volumes ?? []), ...claims] };
      await this.createPod(p, { labels, annotations: w.spec.template.metadata.annotations, ownerReferences: [owner] }, spec);
    }
  }

  /** Creates a Pod object and marks it Running and Ready at the pod's IP (what kubelet would report). */
  public async createPod(p: SimPod, meta: Record<string, unknown>, spec: any): Promise<void> {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, namespace: p.namespace, ...meta }, spec: { ...spec, nodeName: NODE_NAME } };
    const created = await this.api.kubectl(['create', '-f', '-'], JSON.stringify(pod));
    if (created.code !== 0 || /warning/i.test(created.stderr)) throw new Error(`${this.name}: creating Pod ${p.namespace}/${p.name}: ${created.stderr}`);
    const now = new Date().toISOString();
    const status = {
      status: {
        phase: 'Running',
        hostIP: HOST_IP,
        podIP: p.net.ip,
        podIPs: [{ ip: p.net.ip }],
        startTime: now,
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: now })),
        containerStatuses: spec.containers.map((c: any) => ({ name: c.name, image: c.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } })),
      },
    };
    await this.api.kubectlOk(['-n', p.namespace, 'patch', 'pod', p.name, '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
  }

  public async uid(kind: string, namespace: string, name: string): Promise<string> {
    return (await this.api.kubectlOk(['-n', namespace, 'get', kind, name, '-o', 'jsonpath={.metadata.uid}'])).stdout.trim();
  }

  /** Starts a workload's real program in its pod, with the rendered args, env and volumes. */
  public async startWorkload(key: string, binary: string): Promise<Server> {
    const p = this.pod(key);
    const w = p.workload!;
    const spec = podSpec(w);
    for (const v of [...(spec.volumes ?? []).filter((x: any) => x.emptyDir), ...(w.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata)]) {
      if (!p.persistentDirs[v.name]) {
        const d = path.join(this.dir, 'pods', p.name, 'data', v.name);
        fs.mkdirSync(d, { recursive: true });
        const runAs = spec.securityContext ?? {};
        fs.chownSync(d, runAs.runAsUser ?? 0, runAs.runAsGroup ?? 0);
        fs.chmodSync(d, 0o770);
        p.persistentDirs[v.name] = d;
      }
    }
    const token = spec.automountServiceAccountToken ? await this.api.token(w.metadata.namespace!, spec.serviceAccountName) : '';
    const run = podRunSpec(this.objects, w, {
      dir: path.join(this.dir, 'pods', p.name),
      binary,
      hosts: this.hosts(),
      secrets: this.secrets,
      fieldValues: { 'spec.nodeName': NODE_NAME, 'metadata.name': p.name, 'metadata.namespace': p.namespace, 'status.podIP': p.net.ip },
      api: { host: HOST_IP, port: this.api.port, ca: fs.readFileSync(this.api.caFile, 'utf8'), token },
      persistentDirs: p.persistentDirs,
      netns: p.net.ns,
    });
    p.server = startPod({ ...run, name: `${this.name}/${p.name}` });
    return p.server;
  }

  /** Waits for an HTTP endpoint of a pod to answer 200. */
  public async waitHttp(key: string, port: number, pathName: string, timeoutMs = 120_000): Promise<void> {
    const p = this.pod(key);
    const url = `http://${p.net.ip}:${port}${pathName}`;
    await waitFor(`${this.name}/${p.name} ${url}`, async () => (await fetch(url, { signal: AbortSignal.timeout(2000) })).status === 200, timeoutMs, p.server);
  }

  public async stop(): Promise<void> {
    for (const p of this.pods.values()) await p.server?.stop();
    await this.api.stop();
  }
}

/** The script path of the compiled exposition server. */
export const EXPOSITION_SERVER = path.join(ROOT, '.verify', 'js', 'exposition.js');
