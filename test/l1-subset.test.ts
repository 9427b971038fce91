import * as fs from 'fs';
import * as path from 'path';

/* eslint-disable @typescript-eslint/no-require-imports */
const { extract, subset, usedNames } = require('../scripts/l1-subset') as {
  extract: (source: string, roots: Iterable<string>, fileName?: string) => { source: string; kept: string[]; missing: string[] };
  subset: () => { source: string; kept: string[]; from: string };
  usedNames: () => Set<string>;
};
const { fleetConfig } = require('../scripts/fleet') as { fleetConfig: (n: number) => unknown };
/* eslint-enable @typescript-eslint/no-require-imports */

const EXAMPLES = path.resolve(__dirname, '..', 'examples');

/** Evaluates a CommonJS module's source with this test's require (cdk8s resolves as from the package). */
function evaluate(source: string): Record<string, any> {
  const module = { exports: {} as Record<string, any> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('exports', 'require', 'module', source)(module.exports, require, module);
  return module.exports;
}

/** Every example and a fleet, rendered with the modules currently registered (mocked or not). */
function renderAll(): { fileName: string; yaml: string }[] {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { loadConfigFile } = require('../stacks/load') as typeof import('../stacks/load');
  const { buildApp } = require('../stacks/build') as typeof import('../stacks/build');
  const { renderApp } = require('../stacks/render') as typeof import('../stacks/render');
  const { validateConfig } = require('../stacks/config') as typeof import('../stacks/config');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const configs = [
    ...['single-node.yaml', 'per-cluster.yaml', 'multi-cluster.yaml'].map((f) => loadConfigFile(path.join(EXAMPLES, f))),
    { source: 'fleet', config: validateConfig(fleetConfig(3), 'fleet') },
  ];
  return renderApp(buildApp(configs)).map((f) => ({ fileName: f.fileName, yaml: f.yaml }));
}

describe('the L1 subset of cdk8s-plus-28 in the synth bundle', () => {
  const l1 = subset();
  const full = fs.readFileSync(l1.from, 'utf8');

  test('GIVEN the names the sources use WHEN extracted THEN every Kube class and helper they name is kept, with its exact source text', () => {
    const used = usedNames();
    for (const n of ['KubeNamespace', 'KubeDeployment', 'KubeStatefulSet', 'KubeDaemonSet', 'KubeService', 'KubeServiceAccount', 'KubeConfigMap', 'KubeClusterRole', 'KubeClusterRoleBinding', 'Quantity', 'IntOrString']) {
      expect(used.has(n)).toBe(true);
      expect(l1.kept).toContain(n);
    }
    const subsetModule = evaluate(l1.source);
    const fullModule = evaluate(full);
    for (const n of l1.kept) expect([n, String(subsetModule[n])]).toEqual([n, String(fullModule[n])]);
    expect(Object.keys(subsetModule).length).toBeLessThan(Object.keys(fullModule).length / 2);
  });

  test('GIVEN a class that uses a helper, an enum and another class WHEN one root is extracted THEN it keeps exactly what it reaches, in source order', () => {
    const source = [
      '"use strict";',
      'var _a, _b;',
      'Object.defineProperty(exports, "__esModule", { value: true });',
      'exports.toJson_B = exports.B = exports.E = exports.toJson_A = exports.A = void 0;',
      'const JSII_RTTI_SYMBOL_1 = Symbol.for("jsii.rtti");',
      'class A { toJson() { return toJson_A(this); } }',
      'exports.A = A;',
      '_a = JSII_RTTI_SYMBOL_1;',
      'A[_a] = { fqn: "x.A" };',
      'A.GVK = { kind: "A" };',
      'function toJson_A(o) { return { e: E.ONE, b: new B() }; }',
      'exports.toJson_A = toJson_A;',
      'var E;',
      '(function (E) { E["ONE"] = "one"; })(E || (exports.E = E = {}));',
      'class B {}',
      'exports.B = B;',
      '_b = JSII_RTTI_SYMBOL_1;',
      'B[_b] = { fqn: "x.B" };',
      'class Unused {}',
      'exports.Unused = Unused;',
      'function toJson_B(o) { return o; }',
      'exports.toJson_B = toJson_B;',
    ].join('\n');
    const r = extract(source, ['A', 'NotThere']);
    expect(r.kept).toEqual(['A', 'B', 'E', 'toJson_A']);
    expect(r.missing).toEqual(['NotThere']);
    expect(r.source).not.toMatch(/Unused|toJson_B|void 0/);
    const m = evaluate(r.source);
    expect(Object.keys(m).sort()).toEqual(['A', 'B', 'E', 'toJson_A']);
    expect(new m.A().toJson()).toEqual({ e: 'one', b: expect.any(m.B) });
    expect(m.A[Symbol.for('jsii.rtti')]).toEqual({ fqn: 'x.A' });
  });

  test('GIVEN the subset in place of cdk8s-plus-28 WHEN every example and a fleet render THEN the files are byte-identical to rendering with cdk8s-plus-28', () => {
    let expected: { fileName: string; yaml: string }[] = [];
    jest.isolateModules(() => {
      expected = renderAll();
    });
    let actual: { fileName: string; yaml: string }[] = [];
    const used = new Set<string>();
    jest.isolateModules(() => {
      const subsetModule = evaluate(l1.source);
      const k8s = new Proxy(subsetModule, { get: (t, p) => (used.add(String(p)), t[p as string]) });
      jest.doMock('cdk8s-plus-28', () => ({ k8s }));
      try {
        actual = renderAll();
      } finally {
        jest.dontMock('cdk8s-plus-28');
      }
    });
    // The render really went through the subset.
    expect([...used]).toEqual(expect.arrayContaining(['KubeNamespace', 'KubeDeployment', 'KubeConfigMap']));
    expect(actual.length).toBe(expected.length);
    expect(actual.length).toBeGreaterThan(5);
    actual.forEach((f, i) => expect(f).toEqual(expected[i]));
  });
});
