import type { Embedder } from './types.ts';

/**
 * The embedded mode's embedder: deterministic feature hashing, no model and no network.
 *
 * Text is folded (NFKD, accents and case removed) and split into words. Each word, each pair of
 * adjacent words and each character trigram of a word (padded with spaces, so prefixes and
 * suffixes count: "inversor" ~ "inversores") is hashed with FNV-1a into one of `dimensions`
 * buckets with a hash-derived sign (weights 1, 0.5 and 0.25); numbers keep their digits, so
 * "10 kW" stays close to "10kw". The vector is L2-normalized, so cosine distance applies.
 * Its id `local-hash-v1-<dims>` is recorded with every vector: changing the algorithm means a new
 * id, and indexes built with another embedder are rebuilt.
 */
export const LOCAL_EMBEDDER_VERSION = 'local-hash-v1';

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

export function words(text: string): string[] {
  return foldText(text)
    .replace(/(\d)[.,](\d)/g, '$1$2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

export function localEmbed(text: string, dimensions: number): number[] {
  const v = new Float64Array(dimensions);
  const add = (feature: string, w: number) => {
    const h = fnv1a(feature);
    v[h % dimensions] = (v[h % dimensions] ?? 0) + ((h >>> 31) & 1 ? -w : w);
  };
  const ws = words(text);
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i] as string;
    add(`w:${w}`, 1);
    if (i + 1 < ws.length) add(`b:${w} ${ws[i + 1]}`, 0.5);
    const p = ` ${w} `;
    if (w.length > 2) for (let j = 0; j + 3 <= p.length; j++) add(`c:${p.slice(j, j + 3)}`, 0.25);
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return Array.from(v, (x) => Math.round((x / norm) * 1e6) / 1e6);
}

export function localEmbedder(dimensions = 256): Embedder {
  return {
    id: `${LOCAL_EMBEDDER_VERSION}-${dimensions}`,
    dimensions,
    pricePerMTokens: 0,
    async embed(texts, o) {
      o?.onRequest?.(texts.length, 0);
      return texts.map((t) => localEmbed(t, dimensions));
    },
  };
}
