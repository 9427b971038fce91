/**
 * Bad inputs to the Pulumi component (LgtmStack): each is refused with a
 * ValidationError naming the input, before the component or any Kubernetes
 * object is registered; secret values are never echoed.
 */
import * as pulumi from '@pulumi/pulumi';
import { ValidationError } from '../lib/validation';

// GIVEN Pulumi runs offline with mocks that record every registration (set before the modules under test load).
const registered: string[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push(`${args.type}:${args.name}`);
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  },
  'otel-lgtm-k8s',
  'test',
  false,
);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const k8s = require('@pulumi/kubernetes') as typeof import('@pulumi/kubernetes');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LgtmStack } = require('../pulumi/stack') as typeof import('../pulumi/stack');

const PER_CLUSTER = { layout: 'per-cluster', clusterName: 'prod-eu-1' };
const FLEET = {
  layout: 'multi-cluster',
  multiCluster: {
    management: { name: 'mgmt', telemetryGateway: { externalHost: 'otlp.example.com', tlsSecret: 'gw-tls', authTokenSecret: { name: 'gw-auth', key: 'token' } } },
    workloadClusters: [
      { name: 'w1', gatewayTokenSecret: { name: 'gw-auth', key: 'token' } },
      { name: 'w2', gatewayTokenSecret: { name: 'gw-auth', key: 'token' } },
    ],
  },
};
const SECRET = 'do-not-echo-3f9a';

interface PulumiCase {
  readonly what: string;
  readonly args: () => any;
  readonly source: string;
  readonly field: string;
  readonly says: string;
}

const cases: PulumiCase[] = [
  { what: 'a providers key that names no cluster', args: () => ({ config: PER_CLUSTER, providers: { 'prod-eu1': new k8s.Provider('p1', {}) } }), source: 'LgtmStack args', field: 'providers.prod-eu1', says: 'a cluster of the deployment: prod-eu-1' },
  { what: 'a fleet without providers', args: () => ({ config: FLEET }), source: 'LgtmStack args', field: 'providers', says: 'except at most one that uses the default provider' },
  { what: 'a fleet with one provider for three clusters', args: () => ({ config: FLEET, providers: { mgmt: new k8s.Provider('p2', {}) } }), source: 'LgtmStack args', field: 'providers', says: '"no entry for w1, w2"' },
  { what: 'a kubeconfig path instead of a provider', args: () => ({ config: PER_CLUSTER, providers: { 'prod-eu-1': '~/.kube/config' } }), source: 'LgtmStack args', field: 'providers.prod-eu-1', says: 'a Kubernetes provider' },
  { what: 'providers as a list', args: () => ({ config: PER_CLUSTER, providers: [new k8s.Provider('p3', {})] }), source: 'LgtmStack args', field: 'providers', says: 'a map from cluster name (prod-eu-1) to a Kubernetes provider' },
  { what: 'a misspelt secret key', args: () => ({ config: PER_CLUSTER, secrets: { grafanaAdminPasword: SECRET } }), source: 'LgtmStack args', field: 'secrets.grafanaAdminPasword', says: 'did you mean "grafanaAdminPassword"?' },
  { what: 'an empty secret value', args: () => ({ config: PER_CLUSTER, secrets: { grafanaAdminPassword: '' } }), source: 'LgtmStack args', field: 'secrets.grafanaAdminPassword', says: 'not shown: it may be a credential' },
  { what: 'a secret given as a number', args: () => ({ config: PER_CLUSTER, secrets: { telemetryGatewayToken: 12345 } }), source: 'LgtmStack args', field: 'secrets.telemetryGatewayToken', says: 'a non-empty string or a Pulumi Output' },
  { what: 'a config with a bad layout', args: () => ({ config: { layout: 'mesh', clusterName: 'c' } }), source: 'pulumi config "otel-lgtm-k8s:deployment"', field: 'layout', says: '"mesh" is invalid' },
  { what: 'no config at all', args: () => ({}), source: 'pulumi config "otel-lgtm-k8s:deployment"', field: '(root)', says: 'undefined (missing) is invalid' },
  { what: 'a fleet without externalHost nor tlsServerName', args: () => ({ config: { ...FLEET, multiCluster: { ...FLEET.multiCluster, management: { name: 'mgmt', telemetryGateway: { tlsSecret: 'gw-tls', authTokenSecret: { name: 'gw-auth', key: 'token' } } } } }, providers: { mgmt: new k8s.Provider('p4', {}), w1: new k8s.Provider('p5', {}) } }), source: 'pulumi config "otel-lgtm-k8s:deployment"', field: 'multiCluster.management.telemetryGateway.tlsServerName', says: 'required when externalHost is not set' },
];

describe('bad inputs to the Pulumi component', () => {
  test.each(cases.map((c) => [c.what, c] as const))('GIVEN %s WHEN LgtmStack is constructed THEN it throws naming the input and registers nothing of the stack', (_what, c) => {
    const args = c.args();
    registered.length = 0;
    let error: unknown;
    try {
      new LgtmStack('lgtm', args);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const err = error as ValidationError;
    expect(err.message.startsWith(`Invalid configuration in ${c.source}:\n`)).toBe(true);
    const line = err.message.split('\n').find((l) => l.startsWith(`  - ${c.field}: `));
    expect({ field: c.field, line }).toEqual({ field: c.field, line: expect.stringContaining(c.says) });
    expect(err.message).not.toContain(SECRET);
    expect(registered.filter((r) => !r.startsWith('pulumi:providers:'))).toEqual([]);
  });
});
