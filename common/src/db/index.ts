export * from './pool.ts';
export * from './migrate.ts';
export * from './open-database.ts';
export * from './queryable.ts';
