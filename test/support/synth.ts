import { Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { isBuiltIn, k8sSchemaErrors } from './k8s-schema';

/** A fresh cdk8s chart for a test. */
export function newChart(namespace = 'telemetry'): Chart {
  const app = Testing.app();
  return new Chart(app, 'test', { namespace, disableResourceNameHashes: true });
}

/** Synthesizes a chart to plain objects. */
export function synth(chart: Chart): any[] {
  return Testing.synth(chart);
}

/** The single object of a kind and name; fails loudly when absent or ambiguous. */
export function find(objects: any[], kind: string, name: string): any {
  const hits = objects.filter((o) => o.kind === kind && o.metadata?.name === name);
  if (hits.length !== 1) {
    const have = objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ');
    throw new Error(`expected exactly one ${kind}/${name}, found ${hits.length}; have: ${have}`);
  }
  return hits[0];
}

/** Schema errors of every built-in object (custom resources are checked elsewhere). */
export function schemaErrors(objects: any[]): string[] {
  return objects.flatMap((o) => (isBuiltIn(o) ? k8sSchemaErrors(o) : []));
}

/** Parses a YAML string into one document (throws on YAML errors or several documents). */
export function parseYaml(text: string): any {
  const docs = parseAllDocuments(text);
  if (docs.length !== 1) throw new Error(`expected one YAML document, got ${docs.length}`);
  if (docs[0].errors.length > 0) throw new Error(docs[0].errors.map((e) => e.message).join('\n'));
  return docs[0].toJS();
}

/** Every container of a pod-bearing object. */
export function containers(obj: any): any[] {
  const spec = obj.spec?.template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}
