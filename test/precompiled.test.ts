import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { CONFIG_SCHEMA, validateConfig } from '../stacks/config';
import { precompiledValidator, schemaHash, SchemaCheck } from '../stacks/precompiled';
import { ValidationError } from '../lib/validation';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AJV_OPTIONS, validatorModuleSource } = require('../scripts/compile-schema') as { AJV_OPTIONS: object; validatorModuleSource: (schema: object) => string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fleetConfig } = require('../scripts/fleet') as { fleetConfig: (n: number) => any };
// The module the jest global setup generated from this source's CONFIG_SCHEMA (the build generates build/stacks/config-validator.js the same way).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const generated = require('../stacks/config-validator') as { validate: SchemaCheck; schemaHash: string };

const EXAMPLES = path.resolve(__dirname, '..', 'examples');
const examples = fs.readdirSync(EXAMPLES).map((f) => [f, parse(fs.readFileSync(path.join(EXAMPLES, f), 'utf8'))] as const);

/** A deep copy of `base` with `edit` applied. */
function mutate(base: any, edit: (c: any) => void): any {
  const c = structuredClone(base);
  edit(c);
  return c;
}

const perCluster = examples.find(([f]) => f === 'per-cluster.yaml')![1];
const multi = examples.find(([f]) => f === 'multi-cluster.yaml')![1];

/** Valid configs, and invalid ones that between them hit every keyword of the schema. */
const valid: [string, unknown][] = [
  ...examples.map(([f, c]) => [f, c] as [string, unknown]),
  ['a fleet of 12 clusters', fleetConfig(12)],
  // 200 code points, 400 UTF-16 code units: valid only when maxLength (255) counts code points, as the schema walk does.
  ['non-BMP characters (maxLength counts code points)', mutate(perCluster, (c) => (c.gatewayPolicies.gateways[0].serviceName = '😀'.repeat(200)))],
];
const invalid: [string, unknown][] = [
  ['not an object', 'layout: per-cluster'],
  ['null', null],
  ['unknown layout (enum)', mutate(perCluster, (c) => (c.layout = 'galaxy'))],
  ['no layout (required)', mutate(perCluster, (c) => delete c.layout)],
  ['misspelt field (additionalProperties)', mutate(perCluster, (c) => (c.loki.retension = '30d'))],
  ['bad duration (pattern)', mutate(perCluster, (c) => (c.tempo.retention = '5x'))],
  ['number for a string (type)', mutate(perCluster, (c) => (c.prometheus.retention.size = 10))],
  ['port out of range (maximum)', mutate(multi, (c) => (c.multiCluster.management.telemetryGateway.port = 70000))],
  ['zero replicas (minimum)', mutate(multi, (c) => (c.multiCluster.management.telemetryGateway.replicas = 0))],
  ['fractional percentage (integer)', mutate(perCluster, (c) => (c.gatewayPolicies = { gateways: [], samplingPercent: 2.5 }))],
  ['no workload clusters (minItems)', mutate(multi, (c) => (c.multiCluster.workloadClusters = []))],
  ['duplicate metric (uniqueItems)', mutate(perCluster, (c) => (c.agents = { metricAllowlist: ['up', 'up'] }))],
  ['empty key (minLength)', mutate(perCluster, (c) => (c.grafana = { adminSecret: { name: 'g', userKey: '' } }))],
  ['array for an object', mutate(perCluster, (c) => (c.loki = []))],
  [
    'many problems at once, deep in arrays',
    mutate(multi, (c) => {
      c.multiCluster.workloadClusters[1].name = 'Bad_Name';
      c.multiCluster.workloadClusters[0].gatewayPolicies.gateways[0].namespace = 'NS';
      delete c.multiCluster.workloadClusters[0].gatewayTokenSecret;
      c.multiCluster.workloadClusters[1].collectors = { mode: 'Sidecar', replicas: 99, extra: true };
    }),
  ],
];
const corpus = [...valid, ...invalid];

describe('precompiled config schema', () => {
  const runtime = new Ajv(AJV_OPTIONS).compile(CONFIG_SCHEMA);

  test.each(corpus)('GIVEN %s WHEN checked by the generated validator THEN validity and errors (paths, keywords, params) equal ajv compiling the schema at run time', (_name, config) => {
    const ok = generated.validate(config);
    expect(ok).toBe(runtime(config));
    expect(generated.validate.errors ?? null).toEqual(runtime.errors ?? null);
  });

  test('GIVEN the corpus WHEN validated THEN the generated validator accepts the valid configs and rejects every invalid one (the comparison above covers errors)', () => {
    for (const [name, config] of valid) expect([name, generated.validate(config)]).toEqual([name, true]);
    for (const [name, config] of invalid) expect([name, generated.validate(config)]).toEqual([name, false]);
  });

  test('GIVEN the generated module WHEN read THEN it is stamped with the hash of this CONFIG_SCHEMA and loads only ajv runtime helpers, not ajv', () => {
    expect(generated.schemaHash).toBe(schemaHash(CONFIG_SCHEMA));
    const source = validatorModuleSource(CONFIG_SCHEMA);
    const requires = [...source.matchAll(/require\(("[^"]+"|'[^']+')\)/g)].map((m) => JSON.parse(m[1].replace(/'/g, '"')));
    expect(requires.length).toBeGreaterThan(0);
    for (const r of requires) expect(r).toMatch(/^ajv\/dist\/runtime\//);
  });

  test('GIVEN a validator generated from another schema WHEN a config is validated THEN it refuses, naming the fix', () => {
    const other = { ...CONFIG_SCHEMA, title: 'changed' };
    const check = precompiledValidator(other, () => generated);
    expect(() => check({ layout: 'per-cluster', clusterName: 'c' })).toThrow(/generated from another CONFIG_SCHEMA; run `npm run build`/);
  });

  test('GIVEN a matching validator WHEN a config is validated twice THEN it is loaded once and its errors are those of the last call', () => {
    let loads = 0;
    const check = precompiledValidator(CONFIG_SCHEMA, () => (loads++, generated));
    expect(check({ layout: 'galaxy' })).toBe(false);
    expect(check.errors?.map((e) => e.instancePath)).toContain('/layout');
    expect(check({ layout: 'per-cluster', clusterName: 'c' })).toBe(true);
    expect(check.errors ?? null).toBeNull();
    expect(loads).toBe(1);
  });

  test('GIVEN schema errors WHEN validateConfig explains them THEN the problems name field, value and allowed text (the schema walk)', () => {
    try {
      validateConfig(invalid.find(([n]) => n.startsWith('many problems'))![1], 'fleet.yaml');
      throw new Error('expected a ValidationError');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: 'multiCluster.workloadClusters[1].name', value: 'Bad_Name', allowed: expect.stringMatching(/^a cluster name \(a DNS-1123 subdomain/) }),
          expect.objectContaining({ field: 'multiCluster.workloadClusters[0].gatewayPolicies.gateways[0].namespace', value: 'NS', allowed: expect.stringMatching(/^a namespace name/) }),
          expect.objectContaining({ field: 'multiCluster.workloadClusters[0].gatewayTokenSecret', value: undefined, allowed: expect.stringMatching(/^a required field/) }),
          expect.objectContaining({ field: 'multiCluster.workloadClusters[1].collectors.mode', value: 'Sidecar', allowed: 'one of "Deployment", "DaemonSet"' }),
          expect.objectContaining({ field: 'multiCluster.workloadClusters[1].collectors.replicas', value: 99 }),
          expect.objectContaining({ field: 'multiCluster.workloadClusters[1].collectors.extra', conceal: 'unknown-field', allowed: expect.stringMatching(/known fields here: mode, replicas/) }),
        ]),
      );
    }
  });
});
