export * from './gateway-telemetry-policies';
export * from './policies';
