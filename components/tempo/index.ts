export * from './config';
export * from './options';
export * from './tempo';
