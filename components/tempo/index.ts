export * from './config';
export * from './tempo';
