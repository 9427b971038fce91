import * as fs from 'fs';
import * as path from 'path';
import type * as YAML from 'yaml';
import { yaml } from '../lib/yaml';
import { cdk8sYamlModule, stringifyYaml, YamlWriter, YamlWriterOptions } from '../lib/yaml-writer';
import { buildApp } from '../stacks/build';
import { validateConfig } from '../stacks/config';
import { loadConfigFile } from '../stacks/load';
import { synthCharts } from '../stacks/render';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fleetConfig } = require('../scripts/fleet') as { fleetConfig: (n: number) => unknown };

const EXAMPLES = path.resolve(__dirname, '..', 'examples');

/** Keys and scalars `yaml` writes in many different ways (plain, quoted, block, escaped, typed). */
const AWKWARD_STRINGS = [
  '', ' ', 'a', 'app.kubernetes.io/name', 'y', 'Y', 'yes', 'No', 'on', 'OFF', 'true', 'False', 'null', 'Null', '~', '-', '?', ':', '<<',
  '0', '007', '0777', '0x1F', '1_000', '1e3', '.5', '.inf', '-.Inf', '.nan', '12:30', '190:20:30', '2001-12-14', '2001-12-14t21:59:43.10-05:00',
  '100m', '256Mi', '10Gi', '0.5', '+1', '-1', ' lead', 'trail ', 'a: b', 'a:b', 'a #b', '#x', '- x', '-x', '? x', '[x]', '{x}', 'a,b', '*a', '&a', '!tag',
  '%x', '@x', '`x', '"q"', "'q'", 'back\\slash', 'tab\there', 'bell\u0007', 'é', '😀', '\u2028', '---', '...', '--- x', 'x\n---\ny',
  'line\n', 'line\nline', 'line\n\n', '\nleading newline', '  indented\nblock', 'a\n  b\n\n\nc\n', '\n', '\n\n', ' \n ', 'key: value\nother: x\n',
  '${VAR}', "it's", 'a b', 'a#b', 'a:', 'a ', 'ab:c', 'key=value', 'http://x:80/p?q=1&r', 'a, b', 'a [b]', 'a{b}', 'Yes please', 'no way',
  'a\tb', 'x % y', 'x @ y', 'say "hi"', 'a -b', 'a ? b', 'a | b', 'a > b', 'a - b', '/etc/conf', '/', '_', 'k: '.repeat(3), 'a'.repeat(120), `${'word '.repeat(30)}\n${'x'.repeat(90)}`, 'trailing spaces  \nhere  ',
];
const AWKWARD_SCALARS: unknown[] = [...AWKWARD_STRINGS, 0, 1, -1, 42, 2 ** 53, 2 ** 53 + 2, 1.5, -0.25, 1e21, 1e-7, true, false, null];

/** A deterministic pseudo-random generator (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random nested value: maps, sequences (also empty), awkward keys and scalars, up to `depth` levels. */
function randomValue(r: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const x = r();
  if (depth <= 0 || x < 0.35) return pick(AWKWARD_SCALARS);
  const n = Math.floor(r() * 4);
  if (x < 0.65) return Array.from({ length: n }, () => randomValue(r, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n + 1; i++) o[r() < 0.5 ? pick(AWKWARD_STRINGS) : `k${i}`] = randomValue(r, depth - 1);
  return o;
}

const SETUPS: [string, typeof YAML, YamlWriterOptions][] = [
  ['the options of cdk8s Yaml.stringify (YAML 1.1, keepUndefined)', cdk8sYamlModule(), { keepUndefined: true, version: '1.1' }],
  ['the options the components write config files with (YAML 1.2)', yaml, {}],
];

describe.each(SETUPS)('YamlWriter with %s', (_name, yamlModule, options) => {
  const writer = new YamlWriter(yamlModule, options);
  const reference = (v: unknown) => yamlModule.stringify(v, { ...options, lineWidth: 0 });

  test('GIVEN every awkward scalar as a value, a sequence item and a key, nested WHEN written THEN the bytes equal yaml.stringify', () => {
    for (const s of AWKWARD_SCALARS) {
      for (const v of [{ k: s }, [s], { a: { b: [s, { c: s }] } }, [[s, [s]]], { list: [{ x: s, y: [s] }] }]) {
        expect([JSON.stringify(s), writer.stringify(v)]).toEqual([JSON.stringify(s), reference(v)]);
      }
    }
    for (const k of AWKWARD_STRINGS) {
      const v = { outer: { [k]: 'v', [`${k}2`]: { [k]: [k] } } };
      expect([k, writer.stringify(v)]).toEqual([k, reference(v)]);
    }
  });

  test('GIVEN 3,000 random nested values WHEN written THEN every one equals yaml.stringify byte for byte, and the writer (not yaml) wrote the collections', () => {
    const wholeValues: unknown[] = [];
    const counting = { ...yamlModule, stringify: ((v: unknown, o: unknown) => (wholeValues.push(v), yamlModule.stringify(v, o as never))) as typeof yamlModule.stringify };
    const w = new YamlWriter(counting as typeof yamlModule, options);
    const r = rng(15);
    let collections = 0;
    let handedBack = 0;
    for (let i = 0; i < 3000; i++) {
      const v = randomValue(r, 5);
      expect([i, w.stringify(v)]).toEqual([i, reference(v)]);
      const nonEmpty = typeof v === 'object' && v !== null && Object.keys(v).length > 0;
      if (nonEmpty) collections++;
      if (nonEmpty && wholeValues.includes(v)) handedBack++;
      wholeValues.length = 0;
    }
    expect(collections).toBeGreaterThan(1000);
    expect(handedBack).toBe(0);
  });

  test('GIVEN values it hands to yaml (shared objects, undefined, class instances, Dates, -0, a key yaml writes as `? key`) WHEN written THEN they also equal yaml.stringify', () => {
    const shared = { x: 1 };
    class Point {
      constructor(public readonly x = 1) {}
    }
    for (const v of [{ a: shared, b: shared }, [shared, [shared]], { a: undefined, b: 1 }, [undefined], { p: new Point() }, { d: new Date(0) }, { z: -0 }, { big: 10n }, [], {}, 'top', 7, null, { ['x'.repeat(1100)]: 1 }, { a: { ['y'.repeat(1024)]: [1] } }]) {
      expect(writer.stringify(v)).toBe(reference(v));
    }
  });
});

describe('the YAML the package writes', () => {
  test('GIVEN a config file value WHEN written with stringifyYaml THEN it is yaml.stringify(value, { lineWidth: 0 })', () => {
    const value = { receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } } }, processors: { batch: {} }, service: { pipelines: { traces: { receivers: ['otlp'], exporters: [] } } }, msg: 'yes\nno\n' };
    expect(stringifyYaml(value)).toBe(yaml.stringify(value, { lineWidth: 0 }));
  });
});

describe('YamlWriter on the rendered objects', () => {
  test('GIVEN every object of the examples and of a fleet WHEN written for cdk8s THEN it equals what cdk8s Yaml.stringify writes', () => {
    const cdk8sYaml = cdk8sYamlModule();
    const writer = new YamlWriter(cdk8sYaml, { keepUndefined: true, version: '1.1' });
    const configs = [
      ...fs.readdirSync(EXAMPLES).map((f) => loadConfigFile(path.join(EXAMPLES, f))),
      { source: 'fleet', config: validateConfig(fleetConfig(4), 'fleet') },
    ];
    let n = 0;
    for (const objects of synthCharts(buildApp(configs)).values()) {
      for (const o of objects) {
        n++;
        expect(writer.stringify(o)).toBe(cdk8sYaml.stringify(o, { keepUndefined: true, lineWidth: 0, version: '1.1' }));
      }
    }
    expect(n).toBeGreaterThan(300);
  });
});
