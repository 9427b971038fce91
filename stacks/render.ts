import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Yaml } from 'cdk8s';
import { orderForApply } from './apply-order';
import { Prerequisites, prerequisites, prerequisitesFileName, prerequisitesText } from './prerequisites';

/** One rendered file: its name, the YAML text and how many objects it holds. */
export interface RenderedFile {
  readonly fileName: string;
  readonly yaml: string;
  readonly objects: any[];
  /** What must exist before the file is applied, and the file it is written to (`<chart>.prerequisites.txt`). */
  readonly prerequisites: { readonly fileName: string; readonly text: string; readonly items: Prerequisites };
}

/**
 * Renders every chart of an app to YAML in memory, in apply order (see
 * `apply-order.ts`), with its prerequisites. Nothing is written, so a
 * failure in any chart leaves the output directory untouched.
 */
export function renderApp(app: App): RenderedFile[] {
  const charts = app.node.children.filter((c): c is Chart => Chart.isChart(c));
  const names = new Set<string>();
  return charts.map((chart) => {
    const fileName = `${chart.node.id}.k8s.yaml`;
    if (names.has(fileName)) throw new Error(`two charts render to ${fileName}`);
    names.add(fileName);
    const objects = orderForApply(chart.toJson());
    const items = prerequisites(objects);
    const pre = { fileName: prerequisitesFileName(fileName), text: prerequisitesText(fileName, items), items };
    return { fileName, yaml: Yaml.stringify(...objects), objects, prerequisites: pre };
  });
}

/**
 * Writes rendered files (and their prerequisites files) into `outdir`
 * atomically enough for CI and GitOps: files go to a temporary directory
 * first, then the `*.k8s.yaml` and `*.prerequisites.txt` files of `outdir` are
 * replaced as a set.
 */
export function writeRendered(files: RenderedFile[], outdir: string): string[] {
  const texts = files.flatMap((f) => [[f.fileName, f.yaml], [f.prerequisites.fileName, f.prerequisites.text]]);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-synth-'));
  try {
    for (const [name, text] of texts) fs.writeFileSync(path.join(tmp, name), text);
    fs.mkdirSync(outdir, { recursive: true });
    for (const old of fs.readdirSync(outdir)) if (old.endsWith('.k8s.yaml') || old.endsWith('.prerequisites.txt')) fs.rmSync(path.join(outdir, old));
    for (const [name] of texts) fs.copyFileSync(path.join(tmp, name), path.join(outdir, name));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return texts.map(([name]) => path.join(outdir, name));
}
