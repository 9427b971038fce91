import { Endpoint } from '../lib/endpoint';
import { IMAGES } from '../lib/images';
import { configChecksum } from '../lib/checksum';
import { cpuCores, quantityBytes, resolveResources } from '../lib/resources';
import { is, validate, ValidationError } from '../lib/validation';
import { Duration } from '../lib/values';
import { httpProbe, Workload } from '../lib/workload';
import { k8sSchemaErrors } from './support/k8s-schema';
import { podPolicyViolations } from './support/restricted';
import { find, newChart, schemaErrors, synth } from './support/synth';

const identity = { name: 'demo', app: 'demo', component: 'test', version: '1.0.0', namespace: 'telemetry' };
const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } };

describe('Endpoint', () => {
  test('GIVEN a service endpoint WHEN rendered THEN host, hostPort and url derive from service, namespace, port and path', () => {
    const e = new Endpoint({ service: 'loki', namespace: 'telemetry', port: 3100, portName: 'http', protocol: 'http', path: '/otlp' });
    expect(e.host).toBe('loki.telemetry.svc');
    expect(e.hostPort).toBe('loki.telemetry.svc:3100');
    expect(e.url()).toBe('http://loki.telemetry.svc:3100/otlp');
    expect(e.url('v1/logs')).toBe('http://loki.telemetry.svc:3100/otlp/v1/logs');
    expect(e.withHost('otel.example.com', true).url()).toBe('https://otel.example.com:3100/otlp');
  });

  test('GIVEN a path without a leading slash WHEN constructing THEN it throws naming the field', () => {
    expect(() => new Endpoint({ service: 's', namespace: 'n', port: 1, portName: 'p', protocol: 'http', path: 'x' })).toThrow(/in Endpoint props:\n {2}- endpoint\.path: "x" is invalid/);
  });
});

describe('validation', () => {
  test('GIVEN failing rules WHEN validated THEN the error names the source, field, value and what is allowed', () => {
    let err: ValidationError | undefined;
    try {
      validate('test props', [
        { field: 'loki.retention', value: '5x', ok: is.duration, allowed: is.durationAllowed },
        { field: 'loki.replicas', value: 2, ok: is.intBetween(1, 1), allowed: 'exactly 1' },
        { field: 'loki.name', value: 'loki', ok: is.dnsLabel, allowed: is.dnsLabelAllowed },
      ]);
    } catch (e) {
      err = e as ValidationError;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect(err!.problems.map((p) => p.field)).toEqual(['loki.retention', 'loki.replicas']);
    expect(err!.message).toContain('in test props');
    expect(err!.message).toContain('loki.retention: "5x" is invalid; allowed: a duration such as');
    expect(err!.message).toContain('loki.replicas: 2 is invalid; allowed: exactly 1');
  });

  test.each([
    ['30s', true], ['744h', true], ['1h30m', true], ['7d', true], ['0s', false], ['5x', false], ['', false], ['10', false], ['30m1h', false], ['1h30m', true],
  ])('duration %p valid=%p', (v, ok) => expect(is.duration(v)).toBe(ok));

  test.each([
    ['100m', true], ['0.5', true], ['256Mi', true], ['1Gi', true], ['1GB', false], ['abc', false], ['-1', false], ['0', false], ['0Gi', false],
  ])('quantity %p valid=%p', (v, ok) => expect(is.quantity(v)).toBe(ok));

  test('durations and quantities convert to numbers', () => {
    expect(Duration.parse('1h30m')!.seconds).toBe(5400);
    expect(Duration.parse('7d')!.seconds).toBe(604800);
    expect(cpuCores('250m')).toBe(0.25);
    expect(quantityBytes('256Mi')).toBe(256 * 2 ** 20);
    expect(quantityBytes('1G')).toBe(1e9);
  });

  test('GIVEN a partial override WHEN resolving resources THEN unset fields keep the defaults', () => {
    expect(resolveResources(resources, { limits: { memory: '1Gi' } })).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '200m', memory: '1Gi' },
    });
  });
});

describe('images', () => {
  test('every image is pinned to an exact version tag', () => {
    for (const [name, ref] of Object.entries(IMAGES)) {
      expect({ name, ok: /^v?\d+\.\d+\.\d+$/.test(ref.tag) }).toEqual({ name, ok: true });
    }
  });
});

describe('checksum', () => {
  test('key order does not matter, content does', () => {
    expect(configChecksum({ a: 1, b: 2 })).toBe(configChecksum({ b: 2, a: 1 }));
    expect(configChecksum('x')).not.toBe(configChecksum('y'));
  });
});

describe('Workload', () => {
  function render(extra: Partial<ConstructorParameters<typeof Workload>[2]> = {}, content = 'a: 1\n') {
    const chart = newChart();
    const w = new Workload(chart, 'demo', {
      identity,
      kind: 'StatefulSet',
      image: IMAGES.loki,
      runAs: { user: 10001, group: 10001 },
      args: ['-config.file=/etc/demo/demo.yaml'],
      ports: [
        { name: 'http', port: 3100, protocol: 'http' },
        { name: 'grpc', port: 9095, protocol: 'grpc' },
      ],
      configFiles: [{ fileName: 'demo.yaml', content }],
      scratch: [{ name: 'tmp', mountPath: '/tmp' }],
      persistence: { name: 'data', mountPath: '/var/demo', size: '10Gi' },
      resources,
      readinessProbe: httpProbe('/ready', 'http'),
      livenessProbe: httpProbe('/ready', 'http'),
      ...extra,
    });
    return { w, objects: synth(chart) };
  }

  test('GIVEN a StatefulSet workload WHEN synthesized THEN names are stable and human, ports derive from PortSpecs', () => {
    const { w, objects } = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ['ConfigMap/demo-config', 'Service/demo', 'Service/demo-headless', 'ServiceAccount/demo', 'StatefulSet/demo'].sort(),
    );
    const svc = find(objects, 'Service', 'demo');
    expect(svc.spec.ports).toEqual([
      { name: 'http', port: 3100, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
      { name: 'grpc', port: 9095, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
    ]);
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'demo', 'app.kubernetes.io/instance': 'demo' });
    const sts = find(objects, 'StatefulSet', 'demo');
    expect(sts.spec.template.spec.containers[0].ports).toEqual([
      { name: 'http', containerPort: 3100, protocol: 'TCP' },
      { name: 'grpc', containerPort: 9095, protocol: 'TCP' },
    ]);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(w.endpoint('grpc').hostPort).toBe('demo.telemetry.svc:9095');
  });

  test('GIVEN a workload WHEN synthesized THEN it meets the restricted PSS and is schema-valid', () => {
    const { objects } = render();
    expect(podPolicyViolations(objects)).toEqual([]);
    expect(schemaErrors(objects)).toEqual([]);
    const sa = find(objects, 'ServiceAccount', 'demo');
    expect(sa.automountServiceAccountToken).toBe(false);
  });

  test('GIVEN two configs WHEN synthesized THEN the pod checksum annotation changes with the config', () => {
    const a = find(render({}, 'a: 1\n').objects, 'StatefulSet', 'demo').spec.template.metadata.annotations['checksum/config'];
    const b = find(render({}, 'a: 2\n').objects, 'StatefulSet', 'demo').spec.template.metadata.annotations['checksum/config'];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });

  test('GIVEN clashing ports WHEN constructing THEN it throws naming both ports', () => {
    expect(() =>
      render({ ports: [{ name: 'a', port: 80, protocol: 'http' }, { name: 'b', port: 80, protocol: 'http' }] }),
    ).toThrow(/workload\.ports: 80 is invalid; allowed: a port number used once \("a" and "b" both use it\)/);
  });
});

describe('strict schema validation', () => {
  test('GIVEN an object with an unknown field WHEN validated THEN the field is reported', () => {
    const errs = k8sSchemaErrors({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80, bogus: true }], selectr: {} },
    });
    expect(errs).toEqual(
      expect.arrayContaining([expect.stringContaining('spec.ports[0].bogus: unknown field'), expect.stringContaining('spec.selectr: unknown field')]),
    );
  });

  test('GIVEN an object missing a required field WHEN validated THEN kubernetes-models reports it', () => {
    const errs = k8sSchemaErrors({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: {} } });
    expect(errs.join('\n')).toMatch(/selector/);
  });
});
