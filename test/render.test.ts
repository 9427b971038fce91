import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { orderForApply } from '../stacks/apply-order';
import { buildApp } from '../stacks/build';
import { prerequisites, prerequisitesFileName } from '../stacks/prerequisites';
import { validateConfig } from '../stacks/config';
import { loadConfigFile } from '../stacks/load';
import { RenderedFile, renderApp, synthCharts, writeRendered } from '../stacks/render';

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

  const file = (fileName: string, yaml: string): RenderedFile => {
    const items = prerequisites([]);
    return { fileName, yaml, objects: [], prerequisites: { fileName: prerequisitesFileName(fileName), text: `pre ${fileName}\n`, items } };
  };

  test('GIVEN an output directory with older files WHEN new files are written THEN it holds exactly the new *.k8s.yaml and *.prerequisites.txt files (others kept) and no temporary file', () => {
    fs.writeFileSync(path.join(dir, 'gone.k8s.yaml'), 'old');
    fs.writeFileSync(path.join(dir, 'gone.prerequisites.txt'), 'old');
    fs.writeFileSync(path.join(dir, 'a.k8s.yaml'), 'old a');
    fs.writeFileSync(path.join(dir, 'README.md'), 'not ours');
    const written = writeRendered([file('a.k8s.yaml', 'new a\n'), file('b.k8s.yaml', 'new b\n')], dir);
    expect(written).toEqual(['a.k8s.yaml', 'a.prerequisites.txt', 'b.k8s.yaml', 'b.prerequisites.txt'].map((f) => path.join(dir, f)));
    expect(fs.readdirSync(dir).sort()).toEqual(['README.md', 'a.k8s.yaml', 'a.prerequisites.txt', 'b.k8s.yaml', 'b.prerequisites.txt']);
    expect(fs.readFileSync(path.join(dir, 'a.k8s.yaml'), 'utf8')).toBe('new a\n');
    expect(fs.readFileSync(path.join(dir, 'b.k8s.yaml'), 'utf8')).toBe('new b\n');
    expect(fs.readFileSync(path.join(dir, 'b.prerequisites.txt'), 'utf8')).toBe('pre b.k8s.yaml\n');
  });

  test('GIVEN a write that fails part-way WHEN writing THEN the previous files are untouched and nothing it staged is left', () => {
    fs.writeFileSync(path.join(dir, 'a.k8s.yaml'), 'old a');
    // The second file cannot be written: its name points into a directory that does not exist.
    expect(() => writeRendered([file('a.k8s.yaml', 'new a'), file('missing/b.k8s.yaml', 'new b')], dir)).toThrow(/ENOENT/);
    expect(fs.readdirSync(dir)).toEqual(['a.k8s.yaml']);
    expect(fs.readFileSync(path.join(dir, 'a.k8s.yaml'), 'utf8')).toBe('old a');
  });

  test('GIVEN an output directory that does not exist WHEN written THEN it is created with the files', () => {
    const out = path.join(dir, 'deep', 'dist');
    writeRendered([file('x.k8s.yaml', 'x\n')], out);
    expect(fs.readdirSync(out).sort()).toEqual(['x.k8s.yaml', 'x.prerequisites.txt']);
  });
});
