export * from './model';
export * from './options';
export * from './policies';
