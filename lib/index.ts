export * from './checksum';
export * from './endpoint';
export * from './images';
export * from './naming';
export * from './resources';
export * from './security';
export * from './validation';
export * from './workload';
