export * from './datasources';
export * from './grafana';
