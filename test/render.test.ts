import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { orderForApply } from '../lib/apply-order';
import { buildApp } from '../stacks/build';
import { prerequisites, prerequisitesFileName } from '../stacks/prerequisites';
import { validateConfig } from '../stacks/config';
import { loadConfigFile } from '../stacks/load';
import { OWNED_FILES, RenderedFile, renderApp, synthCharts, writeRendered } from '../stacks/render';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fleetConfig } = require('../scripts/fleet') as { fleetConfig: (n: number) => unknown };

const EXAMPLES = path.resolve(__dirname, '..', 'examples');

/** What cdk8s itself renders: `chart.toJson()` for every top-level chart, in app order. */
function cdk8sReference(app: App): { id: string; objects: any[] }[] {
  return app.node.children.filter((c): c is Chart => Chart.isChart(c)).map((c) => ({ id: c.node.id, objects: c.toJson() }));
}

/** The same, put in apply order as renderApp writes it. */
function cdk8sReferenceInApplyOrder(app: App): { id: string; objects: any[] }[] {
  return cdk8sReference(app).map(({ id, objects }) => ({ id, objects: orderForApply(objects) }));
}

describe('rendering every chart in one pass', () => {
  const configs: [string, () => App][] = [
    ...['single-node.yaml', 'per-cluster.yaml', 'multi-cluster.yaml'].map((f): [string, () => App] => [f, () => buildApp([loadConfigFile(path.join(EXAMPLES, f))])]),
    ['a generated fleet of 7 workload clusters', () => buildApp([{ source: 'fleet', config: validateConfig(fleetConfig(7), 'fleet') }])],
  ];

  test.each(configs)('GIVEN %s WHEN rendered THEN every file holds exactly what cdk8s chart.toJson() renders (in apply order), serialised by cdk8s', (_name, build) => {
    const expected = cdk8sReferenceInApplyOrder(build());
    const files = renderApp(build());
    expect(files.map((f) => f.fileName)).toEqual(expected.map((e) => `${e.id}.k8s.yaml`));
    files.forEach((f, i) => {
      expect(f.objects).toEqual(expected[i].objects);
      expect(f.yaml).toBe(Yaml.stringify(...expected[i].objects));
    });
  });

  test('GIVEN explicit dependencies inside a chart, across charts and a nested chart WHEN rendered THEN the object order is the order cdk8s gives', () => {
    const build = () => {
      const app = new App();
      const a = new Chart(app, 'a');
      const b = new Chart(app, 'b');
      const obj = (scope: Construct, id: string) => new ApiObject(scope, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id } });
      const first = obj(a, 'first');
      const second = obj(a, 'second');
      const group = new Construct(a, 'group');
      obj(group, 'g1');
      obj(group, 'g2');
      first.addDependency(second);
      first.addDependency(group);
      const other = obj(b, 'other');
      other.addDependency(first);
      const nested = new Chart(b, 'nested');
      obj(nested, 'inner');
      obj(b, 'last').addDependency(nested);
      return app;
    };
    const expected = cdk8sReference(build());
    // The fixture really reorders: cdk8s does not render in construct order.
    expect(expected[0].objects.map((o) => o.metadata.name)).not.toEqual(['first', 'second', 'g1', 'g2']);
    const app = build();
    const rendered = synthCharts(app);
    for (const e of expected) {
      const chart = app.node.findChild(e.id) as Chart;
      expect(rendered.get(chart)).toEqual(e.objects);
    }
    const nested = app.node.findChild('b').node.findChild('nested') as Chart;
    expect(rendered.get(nested)!.map((o) => o.metadata.name)).toEqual(['inner']);
  });

  test('GIVEN a construct whose validation fails WHEN rendered THEN it throws the error cdk8s throws and renders nothing', () => {
    const build = () => {
      const app = new App();
      const chart = new Chart(app, 'c');
      new ApiObject(chart, 'ok', { apiVersion: 'v1', kind: 'ConfigMap' });
      new Construct(chart, 'bad').node.addValidation({ validate: () => ['replicas must be positive'] });
      return app;
    };
    const reference = (() => {
      try {
        cdk8sReference(build());
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('cdk8s did not fail');
    })();
    expect(reference).toContain('[c/bad] replicas must be positive');
    expect(() => renderApp(build())).toThrow(reference);
  });

  test('GIVEN an app of many clusters WHEN rendered THEN each construct is validated once (not once per chart)', () => {
    const app = buildApp([{ source: 'fleet', config: validateConfig(fleetConfig(5), 'fleet') }]);
    let calls = 0;
    const probe = new Construct(app.node.children.find((c) => Chart.isChart(c))!, 'probe');
    probe.node.addValidation({ validate: () => (calls++, []) });
    renderApp(app);
    expect(app.node.children.filter((c) => Chart.isChart(c))).toHaveLength(6);
    expect(calls).toBe(1);
  });
});

describe('what synthesis loads', () => {
  /**
   * Modules synthesis must not need: ajv's schema compiler, Pulumi, the Grafana SDK (dashboards are prebuilt)
   * and the package's own copy of `yaml` (synthesis uses the copy cdk8s bundles, lib/yaml).
   */
  const FORBIDDEN = [
    'ajv',
    'yaml',
    '@pulumi/pulumi',
    '@pulumi/kubernetes',
    ...['common', 'dashboard', 'nodegraph', 'prometheus', 'stat', 'tempo', 'timeseries'].map((m) => `@grafana/grafana-foundation-sdk/${m}`),
  ];

  /** Runs `fn` with fresh modules in which loading any FORBIDDEN module throws. */
  function withoutForbidden(fn: () => void): void {
    for (const m of FORBIDDEN) {
      jest.doMock(m, () => {
        throw new Error(`${m} was loaded`);
      });
    }
    try {
      jest.isolateModules(fn);
    } finally {
      for (const m of FORBIDDEN) jest.dontMock(m);
    }
  }

  test('GIVEN ajv, Pulumi, the Grafana SDK and a second yaml cannot be loaded WHEN every example is synthesized THEN it succeeds: synthesis loads none of them', () => {
    withoutForbidden(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const load = require('../stacks/load') as typeof import('../stacks/load');
      const build = require('../stacks/build') as typeof import('../stacks/build');
      const render = require('../stacks/render') as typeof import('../stacks/render');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const configs = ['single-node.yaml', 'per-cluster.yaml', 'multi-cluster.yaml'].map((f) => load.loadConfigFile(path.join(EXAMPLES, f)));
      expect(render.renderApp(build.buildApp(configs)).length).toBe(5);
    });
  });

  test('GIVEN the same guard WHEN a dashboard is built with the SDK THEN loading fails (the guard above can fail)', () => {
    withoutForbidden(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect(() => require('../dashboards/collector')).toThrow(/@grafana\/grafana-foundation-sdk\/\w+ was loaded/);
    });
  });
});

describe('writing the rendered files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-write-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const file = (fileName: string, yaml: string, deployment?: string): RenderedFile => {
    const items = prerequisites([]);
    return { fileName, deployment, yaml, objects: [], prerequisites: { fileName: prerequisitesFileName(fileName), text: `pre ${fileName}\n`, items } };
  };
  const ls = (d = dir) => fs.readdirSync(d).sort();
  const record = () => fs.readFileSync(path.join(dir, OWNED_FILES), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));

  test('GIVEN an output directory with files the package did not write WHEN files are written THEN those files are kept, the new ones written and recorded, and no temporary file is left', () => {
    fs.writeFileSync(path.join(dir, 'mine.k8s.yaml'), 'hand-written');
    fs.writeFileSync(path.join(dir, 'mine.prerequisites.txt'), 'hand-written');
    fs.writeFileSync(path.join(dir, 'README.md'), 'not ours');
    const result = writeRendered([file('d-a.k8s.yaml', 'new a\n', 'd'), file('d-b.k8s.yaml', 'new b\n', 'd')], dir);
    expect(result).toEqual({ written: ['d-a.k8s.yaml', 'd-a.prerequisites.txt', 'd-b.k8s.yaml', 'd-b.prerequisites.txt'].map((f) => path.join(dir, f)), removed: [] });
    expect(ls()).toEqual([OWNED_FILES, 'README.md', 'd-a.k8s.yaml', 'd-a.prerequisites.txt', 'd-b.k8s.yaml', 'd-b.prerequisites.txt', 'mine.k8s.yaml', 'mine.prerequisites.txt']);
    expect(fs.readFileSync(path.join(dir, 'd-a.k8s.yaml'), 'utf8')).toBe('new a\n');
    expect(fs.readFileSync(path.join(dir, 'd-b.prerequisites.txt'), 'utf8')).toBe('pre d-b.k8s.yaml\n');
    expect(fs.readFileSync(path.join(dir, 'mine.k8s.yaml'), 'utf8')).toBe('hand-written');
    expect(record()).toEqual(['d\td-a.k8s.yaml', 'd\td-a.prerequisites.txt', 'd\td-b.k8s.yaml', 'd\td-b.prerequisites.txt']);
  });

  test('GIVEN a deployment rendered with two files WHEN it is rendered again with one THEN the file it no longer writes (and its prerequisites) are removed and reported', () => {
    writeRendered([file('d-a.k8s.yaml', 'a\n', 'd'), file('d-b.k8s.yaml', 'b\n', 'd')], dir);
    const result = writeRendered([file('d-a.k8s.yaml', 'a2\n', 'd')], dir);
    expect(result.removed).toEqual([path.join(dir, 'd-b.k8s.yaml'), path.join(dir, 'd-b.prerequisites.txt')]);
    expect(ls()).toEqual([OWNED_FILES, 'd-a.k8s.yaml', 'd-a.prerequisites.txt']);
    expect(fs.readFileSync(path.join(dir, 'd-a.k8s.yaml'), 'utf8')).toBe('a2\n');
    expect(record()).toEqual(['d\td-a.k8s.yaml', 'd\td-a.prerequisites.txt']);
  });

  test('GIVEN two deployments rendered separately into one directory WHEN one is rendered again smaller THEN the other keeps all its files and its record', () => {
    writeRendered([file('d-a.k8s.yaml', 'a\n', 'd'), file('d-b.k8s.yaml', 'b\n', 'd')], dir);
    writeRendered([file('e.k8s.yaml', 'e\n', 'e')], dir);
    writeRendered([file('d-b.k8s.yaml', 'b2\n', 'd')], dir);
    expect(ls()).toEqual([OWNED_FILES, 'd-b.k8s.yaml', 'd-b.prerequisites.txt', 'e.k8s.yaml', 'e.prerequisites.txt']);
    expect(record()).toEqual(['d\td-b.k8s.yaml', 'd\td-b.prerequisites.txt', 'e\te.k8s.yaml', 'e\te.prerequisites.txt']);
  });

  test('GIVEN files from before the record existed WHEN a deployment is rendered THEN none of them is removed', () => {
    fs.writeFileSync(path.join(dir, 'd-gone.k8s.yaml'), 'old');
    writeRendered([file('d-a.k8s.yaml', 'a\n', 'd')], dir);
    expect(ls()).toContain('d-gone.k8s.yaml');
  });

  test('GIVEN a damaged record naming files outside the directory, hidden files and other kinds of file WHEN the deployment is rendered THEN only files the package writes, in the directory, are removed', () => {
    fs.mkdirSync(path.join(dir, 'sub'));
    for (const f of ['sub/x.k8s.yaml', 'notes.txt', '.hidden.k8s.yaml', 'd-old.k8s.yaml']) fs.writeFileSync(path.join(dir, f), 'x');
    fs.writeFileSync(path.join(dir, OWNED_FILES), ['d\tsub/x.k8s.yaml', 'd\t../outside.k8s.yaml', 'd\tnotes.txt', 'd\t.hidden.k8s.yaml', 'garbage line', 'd\td-old.k8s.yaml\textra', 'd\td-old.k8s.yaml', ''].join('\n'));
    const result = writeRendered([file('d-a.k8s.yaml', 'a\n', 'd')], dir);
    expect(result.removed).toEqual([path.join(dir, 'd-old.k8s.yaml')]);
    expect(ls()).toEqual(['.hidden.k8s.yaml', OWNED_FILES, 'd-a.k8s.yaml', 'd-a.prerequisites.txt', 'notes.txt', 'sub']);
    expect(ls(path.join(dir, 'sub'))).toEqual(['x.k8s.yaml']);
  });

  test('GIVEN a file without a deployment WHEN written THEN it is recorded as a deployment of its own, named by the file', () => {
    writeRendered([file('x.k8s.yaml', 'x\n')], dir);
    expect(record()).toEqual(['x\tx.k8s.yaml', 'x\tx.prerequisites.txt']);
  });

  test('GIVEN the charts of a config WHEN rendered THEN each file names the config\'s deployment (layout and name)', () => {
    const app = buildApp([loadConfigFile(path.resolve(__dirname, '..', 'examples', 'multi-cluster.yaml'))]);
    expect(renderApp(app).map((f) => [f.fileName, f.deployment])).toEqual([
      ['multi-cluster-fleet-mgmt.k8s.yaml', 'multi-cluster-fleet'],
      ['multi-cluster-fleet-workload-eu.k8s.yaml', 'multi-cluster-fleet'],
      ['multi-cluster-fleet-workload-us.k8s.yaml', 'multi-cluster-fleet'],
    ]);
  });

  test('GIVEN a write that fails part-way WHEN writing THEN the previous files are untouched and nothing it staged is left', () => {
    fs.writeFileSync(path.join(dir, 'a.k8s.yaml'), 'old a');
    // The second file cannot be written: its name points into a directory that does not exist.
    expect(() => writeRendered([file('a.k8s.yaml', 'new a'), file('missing/b.k8s.yaml', 'new b')], dir)).toThrow(/ENOENT/);
    expect(ls()).toEqual(['a.k8s.yaml']);
    expect(fs.readFileSync(path.join(dir, 'a.k8s.yaml'), 'utf8')).toBe('old a');
  });

  test('GIVEN an output directory that does not exist WHEN written THEN it is created with the files', () => {
    const out = path.join(dir, 'deep', 'dist');
    writeRendered([file('x.k8s.yaml', 'x\n')], out);
    expect(ls(out)).toEqual([OWNED_FILES, 'x.k8s.yaml', 'x.prerequisites.txt']);
  });
});
