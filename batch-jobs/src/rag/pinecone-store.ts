import { Pinecone, type RecordMetadata } from '@pinecone-database/pinecone';
import { JobsError } from '../errors.ts';
import type { StoreFilter, VectorMatch, VectorMetadata, VectorRecord, VectorStore } from './types.ts';

/**
 * Pinecone as the vector store (official SDK): one Pinecone namespace per index version
 * (`catalog-<hash>`, `docs-<hash>`), ids `<source>#<ordinal>`, upserts in the indexer's batches
 * (≤ 1,000 records, ≤ 2 MB), deletes by id with deleteMany, ids listed with listPaginated
 * (serverless indexes) for `ysh rag verify`.
 */
export interface PineconeStoreOptions {
  apiKey: string;
  index: string;
  /** the index host (from the console or describeIndex); without it the SDK asks the control plane */
  host?: string;
}

function toFilter(f: StoreFilter | undefined): object | undefined {
  if (!f) return undefined;
  const and: object[] = [];
  if (f.kind !== undefined) and.push({ kind: { $eq: f.kind } });
  if (f.brand !== undefined) and.push({ brand: { $eq: f.brand } });
  if (f.powerMinW !== undefined) and.push({ power_w: { $gte: f.powerMinW } });
  if (f.powerMaxW !== undefined) and.push({ power_w: { $lte: f.powerMaxW } });
  if (f.priceMinBrl !== undefined) and.push({ price_brl: { $gte: f.priceMinBrl } });
  if (f.priceMaxBrl !== undefined) and.push({ price_brl: { $lte: f.priceMaxBrl } });
  return and.length === 0 ? undefined : and.length === 1 ? and[0] : { $and: and };
}

export function pineconeStore(o: PineconeStoreOptions): VectorStore {
  const pc = new Pinecone({ apiKey: o.apiKey });
  const index = pc.index<RecordMetadata>(o.host ? { name: o.index, host: o.host } : { name: o.index });
  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new JobsError('JOBS_RAG_STORE_FAILED', `Pinecone ${what}: ${(err as Error).message}`, { cause: err });
    }
  };
  return {
    kind: 'pinecone',
    async upsert(namespace: string, records: VectorRecord[]) {
      if (!records.length) return;
      await wrap('upsert', () =>
        index.upsert({
          namespace,
          records: records.map((r) => ({ id: r.id, values: r.values, metadata: r.metadata as RecordMetadata })),
        }),
      );
    },
    async updateMetadata(namespace: string, id: string, metadata: VectorMetadata) {
      await wrap('update', () => index.update({ namespace, id, metadata: metadata as RecordMetadata }));
    },
    async deleteMany(namespace: string, ids: string[]) {
      for (let i = 0; i < ids.length; i += 1000)
        await wrap('deleteMany', () => index.deleteMany({ namespace, ids: ids.slice(i, i + 1000) }));
    },
    async deleteNamespace(namespace: string) {
      await wrap('deleteAll', () => index.deleteAll({ namespace }));
    },
    async listIds(namespace: string) {
      const ids: string[] = [];
      let token: string | undefined;
      do {
        const page = await wrap('list', () =>
          index.listPaginated({ namespace, limit: 100, ...(token ? { paginationToken: token } : {}) }),
        );
        for (const v of page.vectors ?? []) if (v.id) ids.push(v.id);
        token = page.pagination?.next;
      } while (token);
      return ids.sort();
    },
    async query(namespace: string, vector: number[], topK: number, filter?: StoreFilter): Promise<VectorMatch[]> {
      const f = toFilter(filter);
      const r = await wrap('query', () =>
        index.query({ namespace, vector, topK, includeMetadata: false, ...(f ? { filter: f } : {}) }),
      );
      return (r.matches ?? []).map((m) => ({ id: m.id, score: m.score ?? 0 }));
    },
  };
}
