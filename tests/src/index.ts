export * from './helpers/services.ts';
export * from './helpers/db.ts';
