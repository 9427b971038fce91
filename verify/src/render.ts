/**
 * Renders what the verification checks, with the package as users run it
 * (the compiled build/): every example config, and a matrix of options that
 * change the collector and Prometheus configs. The YAML files are written
 * exactly as `npm run synth` writes them, then parsed back.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from './paths';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const pkg = require(path.join(ROOT, 'build', 'index.js'));

/** A Kubernetes object as rendered. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any };

/** The cluster name a rendered file's collector configs stamp on every signal (`k8s.cluster.name`). */
export function clusterOf(objects: K8sObject[]): string {
  for (const o of objects) {
    const cfg = o.kind === 'ConfigMap' ? Object.values<string>(o.data ?? {}).join('\n') : '';
    const m = /key: k8s\.cluster\.name\n\s+value: (\S+)/.exec(cfg);
    if (m) return m[1];
  }
  throw new Error('no cluster name found in the rendered collector configs');
}

/** One rendered file: one cluster of one configuration. */
export interface RenderedCluster {
  /** What was rendered, e.g. `example per-cluster` or `matrix metricsExport=pull`. */
  readonly variant: string;
  /** The output file name (`<layout>-<name>[-<cluster>].k8s.yaml`). */
  readonly fileName: string;
  /** Where it was written. */
  readonly file: string;
  readonly objects: K8sObject[];
}

export const EXAMPLES = ['single-node', 'per-cluster', 'multi-cluster'];

/** Loads an example config as a plain object (for deriving matrix variants). */
export function exampleConfig(name: string): any {
  return parse(fs.readFileSync(path.join(ROOT, 'examples', `${name}.yaml`), 'utf8'));
}

/** Validates and renders configs into `outDir/<variant>/`, through the same functions as `npm run synth`. */
export function renderConfigs(variant: string, configs: { source: string; config: unknown }[], outDir: string): RenderedCluster[] {
  const sourced = configs.map((c) => ({ source: c.source, config: pkg.validateConfig(c.config, c.source) }));
  const app = pkg.buildApp(sourced);
  const files = pkg.renderApp(app) as { fileName: string; yaml: string }[];
  const dir = path.join(outDir, variant.replace(/[^A-Za-z0-9_.=-]+/g, '_'));
  pkg.writeRendered(files, dir);
  return files.map((f) => {
    const file = path.join(dir, f.fileName);
    const objects = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()) as K8sObject[];
    return { variant, fileName: f.fileName, file, objects };
  });
}

/** Every example, rendered from its file. */
export function renderExamples(outDir: string): RenderedCluster[] {
  return EXAMPLES.flatMap((e) => {
    const source = path.join(ROOT, 'examples', `${e}.yaml`);
    return renderConfigs(`example ${e}`, [{ source, config: exampleConfig(e) }], outDir);
  });
}

/**
 * The options that change collector and Prometheus configs, each on top of
 * the per-cluster (or multi-cluster) example: metrics push/pull, debug,
 * DaemonSet mode, a Loki tenant, and their combinations that matter.
 */
export function matrixConfigs(): { variant: string; config: any }[] {
  const pc = exampleConfig('per-cluster');
  const mc = exampleConfig('multi-cluster');
  const with_ = (base: any, patch: (c: any) => void, name: string) => {
    const c = structuredClone(base);
    c.name = name;
    patch(c);
    return c;
  };
  return [
    { variant: 'matrix metricsExport=pull', config: with_(pc, (c) => (c.collectors = { ...c.collectors, metricsExport: 'pull' }), 'pull') },
    { variant: 'matrix debug=true', config: with_(pc, (c) => (c.collectors = { ...c.collectors, debug: true }), 'debug') },
    {
      variant: 'matrix mode=DaemonSet',
      config: with_(pc, (c) => (c.collectors = { mode: 'DaemonSet' }), 'daemonset'),
    },
    { variant: 'matrix loki.tenant', config: with_(pc, (c) => (c.loki = { ...c.loki, tenant: 'acme' }), 'tenant') },
    {
      variant: 'matrix multi-cluster debug+DaemonSet+tenant',
      config: with_(
        mc,
        (c) => {
          c.loki = { ...c.loki, tenant: 'acme' };
          c.collectors = { mode: 'DaemonSet', debug: true };
        },
        'fleet-matrix',
      ),
    },
    {
      variant: 'matrix multi-cluster PVC queues + network settings',
      config: with_(
        mc,
        (c) => {
          c.collectors = { gatewayQueue: { storage: 'persistentVolumeClaim', size: '5Gi' } };
          c.multiCluster.management.telemetryGateway.queue = { storage: 'persistentVolumeClaim' };
          c.networkPolicy = { apiServer: { cidrs: ['10.0.0.1/32'] }, allow: [{ workload: 'otel-metrics', to: { namespaces: ['apps'] }, ports: [8080] }] };
        },
        'fleet-pvc',
      ),
    },
  ];
}

export function renderMatrix(outDir: string): RenderedCluster[] {
  return matrixConfigs().flatMap((m) => renderConfigs(m.variant, [{ source: `${m.variant} (generated)`, config: m.config }], outDir));
}

// ---------------------------------------------------------------------------
// Reading rendered objects
// ---------------------------------------------------------------------------

export function podSpec(o: K8sObject): any | undefined {
  return o.spec?.template?.spec;
}

export const isWorkload = (o: K8sObject) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind);

export function configMap(objects: K8sObject[], name: string, namespace?: string): K8sObject {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (!cm) throw new Error(`no ConfigMap ${namespace ?? ''}/${name}`);
  return cm;
}

/** The collector workloads of a cluster (image otel/opentelemetry-collector-contrib). */
export function collectorWorkloads(objects: K8sObject[]): K8sObject[] {
  return objects.filter((o) => isWorkload(o) && podSpec(o).containers.some((c: any) => String(c.image).includes('opentelemetry-collector')));
}

/** The file a container's `--config=` flag names, and the ConfigMap key behind it. */
export function collectorConfigOf(objects: K8sObject[], w: K8sObject): { path: string; yaml: string } {
  const spec = podSpec(w);
  const c = spec.containers[0];
  const flag = (c.args as string[]).find((a) => a.startsWith('--config='));
  if (!flag) throw new Error(`${w.kind}/${w.metadata.name}: no --config flag`);
  const file = flag.slice('--config='.length);
  const { volume, key } = volumeFileAt(spec, c, file);
  const cm = configMap(objects, volume.configMap.name, w.metadata.namespace);
  return { path: file, yaml: cm.data[key] };
}

/** The volume and key that a file path inside a container comes from. */
export function volumeFileAt(spec: any, container: any, file: string): { volume: any; key: string } {
  for (const m of container.volumeMounts ?? []) {
    if (file.startsWith(`${m.mountPath}/`)) {
      const volume = spec.volumes.find((v: any) => v.name === m.name);
      return { volume, key: file.slice(m.mountPath.length + 1) };
    }
  }
  throw new Error(`no volume mount holds ${file}`);
}

/**
 * A container's environment as the kubelet would set it: literal values,
 * and downward-API fields from `fieldValues` (e.g. spec.nodeName).
 */
export function containerEnv(container: any, fieldValues: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.fieldRef) {
      const v = fieldValues[e.valueFrom.fieldRef.fieldPath];
      if (v === undefined) throw new Error(`env ${e.name}: no value for field ${e.valueFrom.fieldRef.fieldPath}`);
      env[e.name] = v;
    } else if (e.valueFrom?.secretKeyRef) {
      const v = fieldValues[`secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`];
      if (v === undefined) throw new Error(`env ${e.name}: no value for Secret ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
      env[e.name] = v;
    } else throw new Error(`env ${e.name}: unsupported source ${JSON.stringify(e.valueFrom)}`);
  }
  return env;
}
