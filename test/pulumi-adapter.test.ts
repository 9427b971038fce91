import * as pulumi from '@pulumi/pulumi';

// GIVEN Pulumi runs offline with mocks (set before the module under test is imported)
const registered: { type: string; name: string; inputs: any }[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  },
  'lgtm',
  'test',
  false,
);

// eslint-disable-next-line import/first
import { logicalName, registerManifests } from '../lib/pulumi';

class Parent extends pulumi.ComponentResource {
  constructor(name: string) {
    super('test:index:Parent', name, {}, {});
  }
}

describe('Pulumi manifest adapter', () => {
  test('GIVEN manifests WHEN logical names are derived THEN they combine cluster, kind, namespace and name', () => {
    expect(logicalName('hub', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'loki', namespace: 'telemetry' } })).toBe('hub:service:telemetry/loki');
    expect(logicalName('hub', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'telemetry' } })).toBe('hub:namespace:telemetry');
  });

  test('GIVEN built-in and custom objects WHEN registered THEN each becomes its own typed resource, namespace first', async () => {
    registered.length = 0;
    const parent = new Parent('p');
    const res = registerManifests({
      cluster: 'c1',
      parent,
      objects: [
        { apiVersion: 'gateway.kgateway.dev/v1alpha1', kind: 'HTTPListenerPolicy', metadata: { name: 'gw-logs', namespace: 'gw' }, spec: {} },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'loki', namespace: 'telemetry' }, spec: { ports: [{ port: 3100 }] } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'telemetry' } },
      ],
    });
    expect([...res.keys()]).toEqual(['c1:namespace:telemetry', 'c1:service:telemetry/loki', 'c1:httplistenerpolicy:gw/gw-logs']);
    await new Promise((r) => setTimeout(r, 50));
    const types = Object.fromEntries(registered.filter((r) => r.name.startsWith('c1:')).map((r) => [r.name, r.type]));
    expect(types).toEqual({
      'c1:namespace:telemetry': 'kubernetes:core/v1:Namespace',
      'c1:service:telemetry/loki': 'kubernetes:core/v1:Service',
      'c1:httplistenerpolicy:gw/gw-logs': 'kubernetes:gateway.kgateway.dev/v1alpha1:HTTPListenerPolicy',
    });
    const svc = registered.find((r) => r.name === 'c1:service:telemetry/loki')!;
    expect(svc.inputs.spec.ports[0].port).toBe(3100);
  });

  test('GIVEN afterNamespaces WHEN registered THEN it runs once, after the Namespaces and before any other object, with the Namespaces by name', () => {
    const parent = new Parent('a');
    const calls: string[][] = [];
    const res = registerManifests({
      cluster: 'c3',
      parent,
      objects: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'telemetry' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'telemetry' } },
      ],
      afterNamespaces: (namespaces) => {
        calls.push([...namespaces.keys()]);
        return [];
      },
    });
    expect(calls).toEqual([['telemetry']]);
    expect([...res.keys()]).toEqual(['c3:namespace:telemetry', 'c3:configmap:telemetry/cfg']);
    // Objects without a Namespace of their own still get the callback, once.
    const calls2: number[] = [];
    registerManifests({ cluster: 'c4', parent, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }], afterNamespaces: (n) => (calls2.push(n.size), []) });
    expect(calls2).toEqual([1]);
  });

  test('GIVEN the same object twice WHEN registered THEN it fails naming the object', () => {
    const parent = new Parent('q');
    const m = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'n' } };
    expect(() => registerManifests({ cluster: 'c2', parent, objects: [m, m] })).toThrow('objects: "c2:configmap:n/x" is invalid; allowed: each Kubernetes object (cluster, kind, namespace, name) once');
  });
});
