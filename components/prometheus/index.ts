export * from './config';
export * from './prometheus';
