import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Yaml } from 'cdk8s';

/** One rendered file: its name, the YAML text and how many objects it holds. */
export interface RenderedFile {
  readonly fileName: string;
  readonly yaml: string;
  readonly objects: any[];
}

/**
 * Renders every chart of an app to YAML in memory. Nothing is written, so a
 * failure in any chart leaves the output directory untouched.
 */
export function renderApp(app: App): RenderedFile[] {
  const charts = app.node.children.filter((c): c is Chart => Chart.isChart(c));
  const names = new Set<string>();
  return charts.map((chart) => {
    const fileName = `${chart.node.id}.k8s.yaml`;
    if (names.has(fileName)) throw new Error(`two charts render to ${fileName}`);
    names.add(fileName);
    const objects = chart.toJson();
    return { fileName, yaml: Yaml.stringify(...objects), objects };
  });
}

/**
 * Writes rendered files into `outdir` atomically enough for CI and GitOps:
 * files go to a temporary directory first, then the `*.k8s.yaml` files of
 * `outdir` are replaced as a set.
 */
export function writeRendered(files: RenderedFile[], outdir: string): string[] {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-synth-'));
  try {
    for (const f of files) fs.writeFileSync(path.join(tmp, f.fileName), f.yaml);
    fs.mkdirSync(outdir, { recursive: true });
    for (const old of fs.readdirSync(outdir)) if (old.endsWith('.k8s.yaml')) fs.rmSync(path.join(outdir, old));
    for (const f of files) fs.copyFileSync(path.join(tmp, f.fileName), path.join(outdir, f.fileName));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return files.map((f) => path.join(outdir, f.fileName));
}
