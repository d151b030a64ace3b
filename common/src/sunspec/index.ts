export * from './model-def.ts';
export * from './point-types.ts';
export * from './layout.ts';
export * from './codec.ts';
export * from './device-map.ts';
export * from './to-metrics.ts';
export * from './errors.ts';
