export * from './collector';
export type { CollectorCommonProps, ModeProps } from './common';
export * from './config';
export * from './minimum-metrics';
export * from './logs';
export * from './traces';
export * from './metrics';
export * from './agent';
export * from './gateway';
