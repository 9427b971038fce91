import { validateConfig } from '../stacks/config';
import { Problem, ValidationError } from '../lib/validation';

function problems(config: unknown): Problem[] {
  try {
    validateConfig(config, 'test.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return [...(e as ValidationError).problems];
  }
  throw new Error('expected the config to be rejected');
}

describe('config schema validation', () => {
  test('GIVEN a minimal per-cluster config WHEN validated THEN it is accepted as is', () => {
    const c = { layout: 'per-cluster', clusterName: 'prod-eu-1' };
    expect(validateConfig(c)).toEqual(c);
  });

  test('GIVEN an unknown layout WHEN validated THEN the error names layout, the value and the allowed layouts', () => {
    expect(problems({ layout: 'galaxy', clusterName: 'x' })).toEqual([
      { field: 'layout', value: 'galaxy', allowed: 'one of "single-node", "per-cluster", "multi-cluster"' },
    ]);
  });

  test('GIVEN a misspelt field WHEN validated THEN it is rejected naming the field and the known fields', () => {
    const [p] = problems({ layout: 'per-cluster', clusterName: 'x', loki: { retension: '30d' } });
    expect(p.field).toBe('loki.retension');
    // The value of an unknown field is never echoed; the closest known field is suggested.
    expect(p.value).toBeUndefined();
    expect(p.conceal).toBe('unknown-field');
    expect(p.allowed).toMatch(/^did you mean "retention"\? known fields here: enabled, resources, storage, retention, tenant/);
  });

  test('GIVEN bad values deep in the tree WHEN validated THEN every problem has its field path and value', () => {
    const ps = problems({
      layout: 'multi-cluster',
      multiCluster: {
        management: { name: 'mgmt', telemetryGateway: { tlsSecret: 'gw-tls', authTokenSecret: { name: 'tok', key: 'token' }, port: 70000 } },
        workloadClusters: [{ name: 'Bad_Name', gatewayTokenSecret: { name: 'tok', key: 'token' } }],
      },
      prometheus: { retention: { size: '10 gigs' } },
    });
    expect(ps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'multiCluster.management.telemetryGateway.port', value: 70000 }),
        expect.objectContaining({ field: 'multiCluster.workloadClusters[0].name', value: 'Bad_Name', allowed: expect.stringMatching(/^a cluster name/) }),
        expect.objectContaining({ field: 'prometheus.retention.size', value: '10 gigs', allowed: expect.stringMatching(/such as "512MB" or "10GB"/) }),
      ]),
    );
  });

  test('GIVEN a missing required field WHEN validated THEN it says the field is required', () => {
    const [p] = problems({ layout: 'per-cluster', clusterName: 'c', loki: { storage: { s3: { endpoint: 'minio:9000' } } } });
    expect(p).toEqual({ field: 'loki.storage.s3.bucket', value: undefined, allowed: expect.stringMatching(/^a required field/) });
  });

  test.each([
    [{ layout: 'per-cluster' }, 'clusterName'],
    [{ layout: 'multi-cluster' }, 'multiCluster'],
    [{ layout: 'single-node', clusterName: 'laptop', collectors: { replicas: 3 } }, 'collectors.replicas'],
    [
      { layout: 'single-node', clusterName: 'laptop', loki: { storage: { s3: { endpoint: 'm:9000', bucket: 'abc', credentials: { accessKeyId: { name: 's', key: 'a' }, secretAccessKey: { name: 's', key: 'b' } } } } } },
      'loki.storage.s3',
    ],
    [
      {
        layout: 'multi-cluster',
        multiCluster: {
          management: { name: 'hub', telemetryGateway: { tlsSecret: 't', authTokenSecret: { name: 'tok', key: 'token' } } },
          workloadClusters: [{ name: 'hub', gatewayTokenSecret: { name: 'tok', key: 'token' } }],
        },
      },
      'multiCluster.workloadClusters[0].name',
    ],
    [{ layout: 'per-cluster', clusterName: 'c', gatewayPolicies: { gateways: [{ name: 'http', namespace: 'gw' }, { name: 'http', namespace: 'gw' }] } }, 'gatewayPolicies.gateways[1]'],
  ])('GIVEN cross-field mistake #%# WHEN validated THEN the offending field is named', (config, field) => {
    expect(problems(config).map((p) => p.field)).toContain(field);
  });

  test('GIVEN an invalid config WHEN validated THEN the message names the source, field, value and allowed', () => {
    expect(() => validateConfig({ layout: 'per-cluster', clusterName: 'c', namespace: 'Telemetry' }, 'my.yaml')).toThrow(
      /in my\.yaml:\n  - namespace: "Telemetry" is invalid; allowed: a DNS-1123 label/,
    );
  });
});
