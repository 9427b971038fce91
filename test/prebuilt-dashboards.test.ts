import { App, Chart } from 'cdk8s';
import { buildApp } from '../stacks/build';
import { validateConfig } from '../stacks/config';
import { WorkloadClusterStack } from '../stacks/multi-cluster';
import { buildDefaultDashboard, checkQueries, DEFAULT_DASHBOARDS, defaultDashboard } from '../dashboards/prebuilt';
import { isValidPromql, promqlAllowed, promqlTargets } from '../lib/promql';
import { collectObservability, Observable } from '../lib/observability';
import { Construct } from 'constructs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fleetConfig } = require('../scripts/fleet') as { fleetConfig: (n: number) => unknown };

describe('prebuilt dashboards', () => {
  test.each(DEFAULT_DASHBOARDS)('GIVEN the prebuilt %s dashboard WHEN compared with building it with the SDK now THEN they are identical', (name) => {
    const built = buildDefaultDashboard(name);
    expect(JSON.parse(JSON.stringify(defaultDashboard(name)))).toEqual(built);
    expect(defaultDashboard(name).uid).toBe(built.uid);
  });

  test('GIVEN a prebuilt dashboard WHEN asked for twice THEN it is the same shared object, and changing it fails', () => {
    const d = defaultDashboard('collector');
    expect(defaultDashboard('collector')).toBe(d);
    expect(() => {
      (d.json as Record<string, unknown>).title = 'changed';
    }).toThrow(TypeError);
    expect((d.json as Record<string, unknown>).title).toBe(buildDefaultDashboard('collector').title);
  });
});

describe('the prebuilt dashboards\' PromQL', () => {
  test.each(DEFAULT_DASHBOARDS)('GIVEN the prebuilt %s dashboard WHEN its queries are checked as the build checks them THEN every one parses', (name) => {
    const d = defaultDashboard(name);
    expect(promqlTargets(d.json as Record<string, unknown>).length).toBeGreaterThan(0);
    expect(() => checkQueries(d)).not.toThrow();
  });

  test('GIVEN a dashboard with a query that does not parse WHEN checked as the build checks them THEN it throws naming the query', () => {
    const d = JSON.parse(JSON.stringify(buildDefaultDashboard('backends')));
    const target = promqlTargets(d.json)[0];
    const panel = d.json.panels.flatMap((p: any) => [p, ...(p.panels ?? [])]).find((p: any) => (p.targets ?? []).some((t: any) => t.expr === target.expr));
    panel.targets.find((t: any) => t.expr === target.expr).expr = 'sum(rate(x[5m])';
    expect(() => checkQueries(d)).toThrow(/dashboard lgtm-backends: panels\[\d+\].*\.expr is not a PromQL expression that parses \(syntax error at offset 15/);
  });

  test('GIVEN an expression WHEN checked again THEN the remembered result is the same as the first (valid, and invalid with its message)', () => {
    for (const expr of ['sum(rate(up[5m]))', 'sum(rate(up[5m])', 'rate(up)', 'rate(up[$__rate_interval])']) {
      const first = [isValidPromql(expr), promqlAllowed(expr)];
      expect([isValidPromql(expr), promqlAllowed(expr)]).toEqual(first);
    }
    expect(isValidPromql('sum(rate(up[5m])')).toBe(false);
    expect(promqlAllowed('rate(up)')).toMatch(/needs a range vector/);
    expect(isValidPromql('rate(up[$__rate_interval])')).toBe(true);
  });
});

describe('collecting dashboards and rules across a fleet', () => {
  test('GIVEN a fleet WHEN built THEN every workload cluster ships the same (shared) collection content, and the management Grafana provisions each dashboard once', () => {
    const app = buildApp([{ source: 'fleet', config: validateConfig(fleetConfig(6), 'fleet') }]);
    const workloads = app.node.children.filter((c): c is WorkloadClusterStack => Chart.isChart(c) && (c as WorkloadClusterStack).role === 'workload');
    expect(workloads).toHaveLength(6);
    // The example's workload clusters all instrument Gateways, so all ship the gateway dashboard too.
    const contents = workloads.map((w) => w.collection.observability());
    for (const c of contents) expect(c).toBe(contents[0]);
    expect(contents[0].dashboards!.map((d) => d.uid)).toEqual([defaultDashboard('gateway').uid, defaultDashboard('collector').uid]);
  });

  test('GIVEN two components that ship the same uid with different content WHEN collected THEN it is still an error', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const ship = (id: string, title: string) => {
      const c = new Construct(chart, id) as Construct & Observable;
      c.observability = () => ({ dashboards: [{ folder: 'LGTM', uid: 'same', title, json: { title } }] });
    };
    ship('a', 'one');
    ship('b', 'two');
    expect(() => collectObservability([chart])).toThrow(/dashboards\[\]\.uid: "same" is invalid; allowed: a dashboard uid shipped once, or twice with the same content/);
  });

  test('GIVEN many components that ship the same rule set object WHEN collected THEN it is kept once, equal to what they ship', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const groups = [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', labels: { severity: 'critical' as const }, annotations: { summary: 's' } }] }];
    for (let i = 0; i < 5; i++) {
      const c = new Construct(chart, `c${i}`) as Construct & Observable;
      c.observability = () => ({ ruleSets: { shared: groups } });
    }
    const collected = collectObservability([chart]);
    expect([...collected.ruleSets.keys()]).toEqual(['shared']);
    expect(collected.ruleSets.get('shared')).toEqual(groups);
  });
});

