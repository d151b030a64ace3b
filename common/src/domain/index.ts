export * from './batch-services.ts';
export * from './catalog-item.ts';
export * from './tariff-quote.ts';
