/** The PromQL checks of the package (lib/promql), for the tests. */
export { expandGrafanaIntervals, metricNamesOf, parsePromql } from '../../lib/promql';
export type { PromqlError, PromqlInfo } from '../../lib/promql';
