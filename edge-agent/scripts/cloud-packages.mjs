/** Packages of the cloud side that must never be in the edge bundle nor on a site gateway. */
export const CLOUD_PACKAGES = [
  '@electric-sql/pglite',
  'kafkajs',
  'pg',
  'fastify',
  'openai',
  '@pinecone-database/pinecone',
  'ioredis',
  'aedes',
  'pg-boss',
  '@slack/web-api',
  '@influxdata/influxdb-client',
];
