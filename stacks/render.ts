import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct } from 'constructs';
import { orderForApply } from '../lib/apply-order';
import { deploymentOf } from './deployment';
import { Prerequisites, prerequisites, prerequisitesFileName, prerequisitesText } from './prerequisites';
import { cdk8sYamlModule, YamlWriter } from '../lib/yaml-writer';

/** One rendered file: its name, the YAML text and how many objects it holds. */
export interface RenderedFile {
  readonly fileName: string;
  /**
   * The deployment (one config, `<layout>-<name>`) the file belongs to; a later
   * render of the same deployment removes the files it no longer writes.
   * @default the file name without `.k8s.yaml` (a deployment of its own)
   */
  readonly deployment?: string;
  readonly yaml: string;
  readonly objects: any[];
  /** What must exist before the file is applied, and the file it is written to (`<chart>.prerequisites.txt`). */
  readonly prerequisites: { readonly fileName: string; readonly text: string; readonly items: Prerequisites };
}

/**
 * The Kubernetes objects of every chart of an app, as cdk8s `chart.toJson()`
 * returns them, keyed by chart (app order).
 *
 * `chart.toJson()` prepares the whole app on every call — it infers
 * dependencies and validates every construct of the app, then renders the one
 * chart — so calling it per chart costs O(charts × app size). This does the
 * same steps once: infer the app's dependencies, validate the app, then
 * render each chart's own API objects in dependency order (the same order
 * `toJson()` gives; the tests compare the two).
 */
export function synthCharts(app: App): Map<Chart, any[]> {
  const all = app.node.findAll();
  inferDependencies(all);
  validateAll(all);
  const out = new Map<Chart, any[]>();
  for (const c of all) {
    if (!Chart.isChart(c)) continue;
    const objects = new DependencyGraph(c.node)
      .topology()
      .filter((x): x is ApiObject => x instanceof ApiObject && Chart.of(x) === c)
      .map((x) => x.toJson());
    out.set(c, objects);
  }
  return out;
}

/**
 * What cdk8s does before rendering a chart (its private
 * `resolveDependencies`): a chart nested in a chart, and a construct depending
 * on a construct of another chart, make the charts depend on each other; a
 * construct depending on another makes every API object under the first
 * depend on every API object under the second (within their charts).
 */
function inferDependencies(all: IConstruct[]): void {
  const subtree = new Map<IConstruct, IConstruct[]>();
  const findAll = (c: IConstruct) => {
    let s = subtree.get(c);
    if (!s) subtree.set(c, (s = c.node.findAll()));
    return s;
  };
  for (const parent of all.filter((x) => x instanceof Chart)) {
    for (const child of parent.node.children.filter((x) => x instanceof Chart)) parent.node.addDependency(child);
  }
  // Every (source, target) dependency edge of the app as it stands (collected before any is added).
  const edges = () => all.flatMap((source) => source.node.dependencies.map((target) => ({ source, target })));
  for (const { source, target } of edges()) {
    const sourceChart = Chart.of(source);
    const targetChart = Chart.of(target);
    if (sourceChart !== targetChart) sourceChart.node.addDependency(targetChart);
  }
  // cdk8s collects the dependencies again after adding the chart edges above.
  for (const { source, target } of edges()) {
    const sourceChart = Chart.of(source);
    const targetChart = Chart.of(target);
    const targets = findAll(target).filter((c) => c instanceof ApiObject && Chart.of(c) === targetChart);
    const sources = findAll(source).filter((c) => c instanceof ApiObject && Chart.of(c) === sourceChart);
    for (const t of targets) for (const s of sources) if (t !== s) s.node.addDependency(t);
  }
}

/** Runs every construct's validations (cdk8s's private `validate`); throws listing every error. */
function validateAll(all: IConstruct[]): void {
  const errors: string[] = [];
  for (const c of all) for (const e of c.node.validate()) errors.push(`[${c.node.path}] ${e}`);
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
}

/**
 * Renders every chart of an app to YAML in memory, in apply order (see
 * `lib/apply-order.ts`), with its prerequisites. Nothing is written, so a
 * failure in any chart leaves the output directory untouched.
 */
export function renderApp(app: App): RenderedFile[] {
  const charts = app.node.children.filter((c): c is Chart => Chart.isChart(c));
  const fileNames = charts.map((chart) => `${chart.node.id}.k8s.yaml`);
  const names = new Set<string>();
  for (const fileName of fileNames) {
    if (names.has(fileName)) throw new Error(`two charts render to ${fileName}`);
    names.add(fileName);
  }
  const rendered = synthCharts(app);
  return charts.map((chart, i) => {
    const fileName = fileNames[i];
    const objects = orderForApply(rendered.get(chart)!);
    const items = prerequisites(objects);
    const pre = { fileName: prerequisitesFileName(fileName), text: prerequisitesText(fileName, items), items };
    return { fileName, deployment: deploymentOf(chart), yaml: documentsYaml(objects), objects, prerequisites: pre };
  });
}

let writer: YamlWriter | undefined;

/**
 * The YAML of a chart's objects, exactly as cdk8s `Yaml.stringify(...objects)`
 * writes it (its `yaml` module and options, documents joined by `---`), with
 * the fast writer of lib/yaml-writer.
 */
export function documentsYaml(objects: readonly unknown[]): string {
  writer ??= new YamlWriter(cdk8sYamlModule(), { keepUndefined: true, version: '1.1' });
  const w = writer;
  return objects.map((o) => (o === undefined ? '\n' : w.stringify(o))).join('---\n');
}

/** The file in an output directory recording which files each deployment's last render wrote there. */
export const OWNED_FILES = '.otel-lgtm-k8s-files';

const OWNED_HEADER = '# Written by otel-lgtm-k8s: the files each deployment\'s last render wrote here (deployment, tab, file).\n# A render replaces and removes only these files. Removing this record makes the next render remove nothing.\n';

/** What {@link writeRendered} did: the paths it wrote and the earlier files of the same deployments it removed. */
export interface WriteResult {
  readonly written: string[];
  readonly removed: string[];
}

/** A name the package writes: a plain file name ending in `.k8s.yaml` or `.prerequisites.txt`. */
function isRenderedName(name: string): boolean {
  return path.basename(name) === name && !name.startsWith('.') && (name.endsWith('.k8s.yaml') || name.endsWith('.prerequisites.txt'));
}

/**
 * The ownership record of `outdir`: deployment → the files its last render
 * wrote. A missing record is empty; lines that are not `<deployment>\t<file>`
 * with a file name the package writes are ignored, so a damaged record can
 * make a render remove less, never a file the package does not write.
 */
export function readOwnedFiles(outdir: string): Map<string, Set<string>> {
  const owned = new Map<string, Set<string>>();
  let text: string;
  try {
    text = fs.readFileSync(path.join(outdir, OWNED_FILES), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return owned;
    throw e;
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [deployment, file, ...rest] = line.split('\t');
    if (rest.length > 0 || !deployment || !file || !isRenderedName(file)) continue;
    if (!owned.has(deployment)) owned.set(deployment, new Set());
    owned.get(deployment)!.add(file);
  }
  return owned;
}

/** Deployment → the files (manifests and prerequisites) rendered for it. */
function filesByDeployment(files: readonly RenderedFile[]): Map<string, Set<string>> {
  const by = new Map<string, Set<string>>();
  for (const f of files) {
    const key = f.deployment ?? f.fileName.replace(/\.k8s\.yaml$/, '');
    if (!by.has(key)) by.set(key, new Set());
    by.get(key)!.add(f.fileName).add(f.prerequisites.fileName);
  }
  return by;
}

/** The ownership record {@link writeRendered} writes for `files` into a directory that had none. */
export function ownedFilesRecord(files: readonly RenderedFile[]): string {
  return ownedFilesText(filesByDeployment(files));
}

function ownedFilesText(owned: Map<string, Set<string>>): string {
  const lines = [...owned.keys()].sort().flatMap((d) => [...owned.get(d)!].sort().map((f) => `${d}\t${f}\n`));
  return OWNED_HEADER + lines.join('');
}

/**
 * Writes rendered files (and their prerequisites files) into `outdir`,
 * replacing only what this package wrote there before.
 *
 * Ownership: `outdir/.otel-lgtm-k8s-files` records, per deployment (one
 * config: layout and name), the files its last render wrote. A render writes
 * its files, removes the files the record lists for the deployments it
 * renders that it no longer writes (a workload cluster dropped from a config),
 * and updates those deployments' lines. Files of other deployments, files the
 * package did not write (hand-written manifests, a README) and files written
 * before the record existed are left alone.
 *
 * Atomic enough for CI and GitOps: every file is first written under a
 * hidden temporary name next to its final one; only when all are written are
 * stale files removed and the new ones renamed into place (a rename replaces
 * a file atomically, so no reader sees half a file), the record last. A
 * failed write removes what it wrote and leaves the previous files untouched.
 */
export function writeRendered(files: RenderedFile[], outdir: string): WriteResult {
  const texts: [string, string][] = files.flatMap((f) => [[f.fileName, f.yaml], [f.prerequisites.fileName, f.prerequisites.text]] as [string, string][]);
  fs.mkdirSync(outdir, { recursive: true });
  const owned = readOwnedFiles(outdir);
  const rendering = filesByDeployment(files);
  const written = new Set(texts.map(([name]) => name));
  const stale = [...rendering.keys()].flatMap((d) => [...(owned.get(d) ?? [])].filter((f) => !written.has(f)));
  for (const [d, names] of rendering) owned.set(d, names);
  // A file now written for one deployment is no longer another's (two configs cannot render the same file at once).
  for (const [d, names] of owned) {
    if (rendering.has(d)) continue;
    for (const n of names) if (written.has(n)) names.delete(n);
    if (names.size === 0) owned.delete(d);
  }
  texts.push([OWNED_FILES, ownedFilesText(owned)]);

  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  const staged: string[] = [];
  try {
    for (const [name, text] of texts) {
      const tmp = path.join(outdir, `.${name}${suffix}`);
      fs.writeFileSync(tmp, text);
      staged.push(tmp);
    }
  } catch (e) {
    for (const tmp of staged) fs.rmSync(tmp, { force: true });
    throw e;
  }
  const removed: string[] = [];
  for (const name of stale) {
    const p = path.join(outdir, name);
    if (fs.existsSync(p)) {
      fs.rmSync(p);
      removed.push(p);
    }
  }
  texts.forEach(([name], i) => fs.renameSync(staged[i], path.join(outdir, name)));
  return { written: texts.slice(0, -1).map(([name]) => path.join(outdir, name)), removed };
}
