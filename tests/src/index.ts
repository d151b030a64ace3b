export * from './pipeline/harness.ts';
