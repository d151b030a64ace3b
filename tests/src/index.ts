export * from './helpers/services.ts';
export * from './helpers/db.ts';
export * from './helpers/readings.ts';
export * from './helpers/ysh-process.ts';
export * from './helpers/kafka.ts';
