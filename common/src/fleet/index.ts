export * from './errors.ts';
export * from './site-config.ts';
export * from './enrollment.ts';
export * from './site-configs.ts';
export * from './heartbeats.ts';
