export * from './datasources';
export * from './options';
export * from './grafana';
