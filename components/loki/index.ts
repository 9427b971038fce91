export * from './config';
export * from './loki';
