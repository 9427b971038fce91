import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../app';
import { run, USAGE } from '../cli';

const EXAMPLES = path.resolve(__dirname, '..', 'examples');

describe('otel-lgtm-k8s command line', () => {
  let dir: string;
  let stdout: jest.SpyInstance;
  let stderr: jest.SpyInstance;
  const printed = (spy: jest.SpyInstance) => spy.mock.calls.map((c) => String(c[0])).join('');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-cli-'));
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const files = (d: string) => fs.readdirSync(d).sort();
  const contents = (d: string) => Object.fromEntries(files(d).map((f) => [f, fs.readFileSync(path.join(d, f), 'utf8')]));

  test('GIVEN the example configs WHEN rendered with -c/-o THEN the files are exactly those npm run synth writes for the same configs', () => {
    const configs = ['per-cluster.yaml', 'multi-cluster.yaml'].map((f) => path.join(EXAMPLES, f));
    const viaCli = path.join(dir, 'cli');
    const viaSynth = path.join(dir, 'synth');
    expect(run(['render', ...configs.flatMap((c) => ['-c', c]), '-o', viaCli])).toBe(0);
    expect(main({ LGTM_CONFIG: configs.join(','), CDK8S_OUTDIR: viaSynth })).toBe(0);
    expect(files(viaCli)).toEqual([
      '.otel-lgtm-k8s-files',
      'multi-cluster-fleet-mgmt.k8s.yaml',
      'multi-cluster-fleet-mgmt.prerequisites.txt',
      'multi-cluster-fleet-workload-eu.k8s.yaml',
      'multi-cluster-fleet-workload-eu.prerequisites.txt',
      'multi-cluster-fleet-workload-us.k8s.yaml',
      'multi-cluster-fleet-workload-us.prerequisites.txt',
      'per-cluster-prod.k8s.yaml',
      'per-cluster-prod.prerequisites.txt',
    ]);
    expect(contents(viaCli)).toEqual(contents(viaSynth));
    expect(printed(stdout)).toMatch(/wrote .*per-cluster-prod\.k8s\.yaml: 70 objects \(/);
  });

  test('GIVEN an output directory holding a hand-written manifest and another deployment WHEN a config drops a workload cluster and is rendered again THEN only that cluster\'s files are removed, and the command says so', () => {
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'ingress.k8s.yaml'), 'kind: Ingress\n');
    const fleet = path.join(dir, 'fleet.yaml');
    const example = fs.readFileSync(path.join(EXAMPLES, 'multi-cluster.yaml'), 'utf8');
    fs.writeFileSync(fleet, example);
    expect(run(['render', '-c', fleet, '-c', path.join(EXAMPLES, 'per-cluster.yaml'), '-o', out])).toBe(0);
    // The config without workload-us: it is the last entry of the example's workload list.
    const smaller = example.slice(0, example.indexOf('    - name: workload-us'));
    expect(smaller).not.toContain('workload-us');
    fs.writeFileSync(fleet, smaller);
    stdout.mockClear();
    expect(run(['render', '-c', fleet, '-o', out])).toBe(0);
    expect(files(out)).toEqual([
      '.otel-lgtm-k8s-files',
      'ingress.k8s.yaml',
      'multi-cluster-fleet-mgmt.k8s.yaml',
      'multi-cluster-fleet-mgmt.prerequisites.txt',
      'multi-cluster-fleet-workload-eu.k8s.yaml',
      'multi-cluster-fleet-workload-eu.prerequisites.txt',
      'per-cluster-prod.k8s.yaml',
      'per-cluster-prod.prerequisites.txt',
    ]);
    const removed = printed(stdout).split('\n').filter((l) => l.startsWith('removed '));
    expect(removed.map((l) => l.split(':')[0])).toEqual(['multi-cluster-fleet-workload-us.k8s.yaml', 'multi-cluster-fleet-workload-us.prerequisites.txt'].map((f) => `removed ${path.relative(process.cwd(), path.join(out, f))}`));
  });

  test('GIVEN a valid config WHEN validated THEN it exits 0, names the files it would write and writes nothing', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const realFs: typeof fs = require('fs');
    const writes = [jest.spyOn(realFs, 'writeFileSync'), jest.spyOn(realFs, 'mkdirSync'), jest.spyOn(realFs, 'copyFileSync')];
    expect(run(['validate', '--config', path.join(EXAMPLES, 'multi-cluster.yaml')])).toBe(0);
    for (const w of writes) {
      expect(w).not.toHaveBeenCalled();
      w.mockRestore();
    }
    expect(printed(stdout)).toBe(
      [
        'valid: multi-cluster-fleet-mgmt.k8s.yaml would hold 70 objects',
        'valid: multi-cluster-fleet-workload-eu.k8s.yaml would hold 30 objects',
        'valid: multi-cluster-fleet-workload-us.k8s.yaml would hold 34 objects',
        '',
      ].join('\n'),
    );
  });

  test.each(['render', 'validate'])('GIVEN an invalid config among valid ones WHEN %s runs THEN it exits 1 with the field, the value and what is allowed, and writes nothing', (command) => {
    const good = path.join(dir, 'good.yaml');
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(good, 'layout: per-cluster\nname: good\nclusterName: ok\n');
    fs.writeFileSync(bad, 'layout: per-cluster\nclusterName: c\nloki: { retention: 12h }\n');
    const out = path.join(dir, 'out');
    const args = command === 'render' ? ['-o', out] : [];
    expect(run([command, '-c', good, '-c', bad, ...args])).toBe(1);
    const err = printed(stderr);
    expect(err).toMatch(/^Invalid configuration in /);
    expect(err).toContain('loki.retention: "12h" is invalid; allowed:');
    expect(err).toContain('Nothing was written.');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('GIVEN a previous output WHEN render fails THEN the previous files are untouched', () => {
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'per-cluster-old.k8s.yaml'), 'old');
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'layout: galaxy\n');
    expect(run(['render', '-c', path.join(dir, 'bad.yaml'), '-o', out])).toBe(1);
    expect(printed(stderr)).toContain(`Invalid configuration in ${path.join(dir, 'bad.yaml')}:\n  - layout: "galaxy" is invalid`);
    expect(contents(out)).toEqual({ 'per-cluster-old.k8s.yaml': 'old' });
  });

  test('GIVEN a missing config file WHEN validated THEN it exits 1 naming the file', () => {
    const missing = path.join(dir, 'nope.yaml');
    expect(run(['validate', '-c', missing])).toBe(1);
    expect(printed(stderr)).toContain(`Invalid configuration in ${missing}:\n  - (file): no such file; allowed: a readable config file`);
  });

  test.each([
    [[], 'a command is required'],
    [['deploy', '-c', 'x.yaml'], 'unknown command "deploy"'],
    [['render'], 'at least one config file is required'],
    [['render', '-c', 'a.yaml', 'b.yaml'], 'unexpected argument "b.yaml"'],
    [['render', '-c', 'a,b.yaml'], 'must not contain ","'],
    [['render', '--outdir', 'x', '-c', 'a.yaml'], "Unknown option '--outdir'"],
    [['validate', '-c', 'a.yaml', '-o', 'x'], 'validate writes nothing'],
  ])('GIVEN arguments %j WHEN run THEN it exits 2 with a usage error', (argv, message) => {
    expect(run(argv)).toBe(2);
    expect(printed(stderr)).toContain(message);
    expect(printed(stderr)).toContain('Run "otel-lgtm-k8s --help" for usage.');
  });

  test('GIVEN --help or --version WHEN run THEN it prints the usage or the package version and exits 0', () => {
    expect(run(['--help'])).toBe(0);
    expect(printed(stdout)).toBe(USAGE);
    for (const c of ['render', 'validate', '--config', '--out', '--help', '--version']) expect(USAGE).toContain(c);
    stdout.mockClear();
    expect(run(['-v'])).toBe(0);
    expect(printed(stdout)).toBe(`${JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
  });
});
