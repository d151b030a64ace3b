export * from './pool.ts';
export * from './migrate.ts';
export * from './queryable.ts';
