/**
 * The shapes RAG indexing passes between its layers: a source yields documents made of blocks,
 * the chunker turns them into chunks, an embedder turns chunk text into vectors, a vector store
 * keeps them under `<source>#<ordinal>` ids in one namespace per index version.
 */

/** A structural unit of a parsed document; tables stay one block so the chunker can keep them whole. */
export interface Block {
  type: 'heading' | 'paragraph' | 'table' | 'list' | 'code';
  text: string;
  /** heading level 1–6 */
  level?: number;
  /** 1-based page (PDF) */
  page?: number;
  /** for tables: the header row, repeated when a table must be split */
  header?: string;
}

/** Catalog metadata that searches filter on. */
export interface ChunkFilters {
  kind?: string;
  brand?: string;
  powerW?: number;
  priceBrl?: number;
}

export interface SourceDocument {
  /** stable id, e.g. `catalog:SKU-1` or `docs:prodist-modulo-3.md` */
  source: string;
  title: string;
  blocks: Block[];
  /** searchable metadata; a change here alone updates metadata without re-embedding */
  filters?: ChunkFilters;
  /** shown with results, not embedded (e.g. price, stock) */
  extra?: Record<string, unknown>;
}

export interface Chunk {
  source: string;
  ordinal: number;
  title: string;
  /** heading path, e.g. "Seção 2 > 2.1 Microgeração" */
  section: string | null;
  page: number | null;
  text: string;
  tokens: number;
}

export interface Embedder {
  /** recorded with every vector; a different id means a different index version */
  readonly id: string;
  readonly dimensions: number;
  /** US$ per million input tokens (0 for the local embedder) */
  readonly pricePerMTokens: number;
  /** vectors in input order; `onRequest` is told of each API request (for the ledger) */
  embed(
    texts: string[],
    o?: { signal?: AbortSignal; onRequest?: (inputs: number, tokens: number) => void },
  ): Promise<number[][]>;
}

export type VectorMetadata = Record<string, string | number | boolean | string[]>;

export interface VectorRecord {
  id: string;
  values: number[];
  metadata: VectorMetadata;
}

export interface VectorMatch {
  id: string;
  score: number;
}

export interface VectorStore {
  /** `pgvector` or `pinecone` */
  readonly kind: string;
  upsert(namespace: string, records: VectorRecord[]): Promise<void>;
  updateMetadata(namespace: string, id: string, metadata: VectorMetadata): Promise<void>;
  deleteMany(namespace: string, ids: string[]): Promise<void>;
  deleteNamespace(namespace: string): Promise<void>;
  listIds(namespace: string): Promise<string[]>;
  query(namespace: string, vector: number[], topK: number, filter?: StoreFilter): Promise<VectorMatch[]>;
}

/** Filters as every store applies them (catalog metadata). */
export interface StoreFilter {
  kind?: string;
  brand?: string;
  powerMinW?: number;
  powerMaxW?: number;
  priceMinBrl?: number;
  priceMaxBrl?: number;
}

export function vectorId(source: string, ordinal: number): string {
  return `${source}#${ordinal}`;
}

export function parseVectorId(id: string): { source: string; ordinal: number } | undefined {
  const i = id.lastIndexOf('#');
  if (i <= 0) return undefined;
  const ordinal = Number(id.slice(i + 1));
  if (!Number.isInteger(ordinal) || ordinal < 0) return undefined;
  return { source: id.slice(0, i), ordinal };
}
