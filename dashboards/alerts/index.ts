export * from './common';
export * from './collector';
export * from './gateway';
export * from './loki';
export * from './prometheus';
export * from './tempo';
