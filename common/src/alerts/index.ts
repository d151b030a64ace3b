export * from './types.ts';
export * from './alert-store.ts';
export * from './outbox.ts';
