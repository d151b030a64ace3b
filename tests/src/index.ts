export * from './helpers/services.ts';
