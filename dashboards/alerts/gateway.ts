/**
 * Alert rules for the kgateway data plane (Envoy proxies): proxies down or
 * missing, and 5xx responses at the listeners and per upstream cluster.
 */
import { KGATEWAY_INTERNAL_CLUSTERS, KGATEWAY_INTERNAL_LISTENERS } from '../series';
import { alternation, Matcher, sumRate } from '../promql';
import { RuleGroup } from '../types';
import { POD_DISCOVERY_JOBS } from '../../lib/collector/prometheus';
import { validate } from '../../lib/validation';
import { jobMatcher, JobOptions, RATE_WINDOW, resolveJobs, rule, targetRules } from './common';

export interface GatewayAlertOptions extends Partial<JobOptions> {
  /** Share of 5xx responses that fires an alert. @default 0.05 */
  readonly errorRatio?: number;
}

/** kgateway data-plane alert rules, one group. */
export function gatewayAlerts(opts: GatewayAlertOptions = {}): RuleGroup[] {
  const jobs = resolveJobs('gatewayAlerts', opts.job ?? POD_DISCOVERY_JOBS.kgatewayDataPlane);
  const errorRatio = opts.errorRatio ?? 0.05;
  validate('dashboards.gatewayAlerts', [
    { field: 'gatewayAlerts.errorRatio', value: errorRatio, ok: (v: unknown) => typeof v === 'number' && v > 0 && v < 1, allowed: 'a number between 0 and 1 (exclusive)' },
  ]);
  const job = jobMatcher(jobs);
  const up: Matcher[] = [job, ['envoy_cluster_name', '!~', alternation(KGATEWAY_INTERNAL_CLUSTERS)]];
  const down: Matcher[] = [job, ['envoy_http_conn_manager_prefix', '!~', alternation(KGATEWAY_INTERNAL_LISTENERS)]];
  const five: Matcher = ['envoy_response_code_class', '=', '5'];
  const C = ['job', 'envoy_cluster_name'];
  const L = ['job', 'envoy_http_conn_manager_prefix'];
  const pct = `${Math.round(errorRatio * 1000) / 10}%`;
  return [
    {
      name: 'kgateway',
      rules: [
        ...targetRules('KgatewayProxy', 'kgateway proxy', jobs),
        rule({
          alert: 'KgatewayListener5xxHigh',
          expr: `${sumRate('envoy_http_downstream_rq_xx_total', [...down, five], RATE_WINDOW, L)} / ${sumRate('envoy_http_downstream_rq_xx_total', down, RATE_WINDOW, L)} > ${errorRatio}`,
          for: '10m',
          severity: 'critical',
          summary: 'Gateway listener {{ $labels.envoy_http_conn_manager_prefix }} answers {{ $value | humanizePercentage }} 5xx',
          description: `More than ${pct} of the responses of gateway listener {{ $labels.envoy_http_conn_manager_prefix }} have had a 5xx status for 10 minutes.`,
        }),
        rule({
          alert: 'KgatewayUpstream5xxHigh',
          expr: `${sumRate('envoy_cluster_upstream_rq_xx_total', [...up, five], RATE_WINDOW, C)} / ${sumRate('envoy_cluster_upstream_rq_xx_total', up, RATE_WINDOW, C)} > ${errorRatio}`,
          for: '10m',
          severity: 'warning',
          summary: 'Backend {{ $labels.envoy_cluster_name }} answers {{ $value | humanizePercentage }} 5xx through the gateway',
          description: `More than ${pct} of the final responses from upstream cluster {{ $labels.envoy_cluster_name }} (a route backend) have had a 5xx status for 10 minutes.`,
        }),
      ],
    },
  ];
}
