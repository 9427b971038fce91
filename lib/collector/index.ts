export * from './types';
export * from './config';
export * from './components';
export * from './prometheus';
export * from './registry';
