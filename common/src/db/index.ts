export * from './pool.ts';
export * from './migrate.ts';
