import { countTokens } from './tokenizer.ts';
import type { Block, Chunk, SourceDocument } from './types.ts';

/**
 * Structure-aware chunking, sized in cl100k tokens.
 *
 * A heading closes the chunk under way and opens a new one (its text is the chunk's first line;
 * the heading path is the chunk's `section`). Blocks are packed into a chunk up to `maxTokens`;
 * when one does not fit, the next chunk starts with the last sentences of the previous one (up to
 * `overlapTokens`) so a sentence split across the boundary keeps its context. A table is kept
 * whole when it fits in a chunk; a longer one is split by rows, each part repeating the header
 * row. A paragraph longer than a chunk is split at sentence ends (at token boundaries only for a
 * sentence longer than a chunk). Part of every chunk's identity is CHUNKER_VERSION: bump it when
 * the output for the same input would change, and every index is rebuilt.
 */
export const CHUNKER_VERSION = 'c1';

export interface ChunkerOptions {
  maxTokens: number;
  overlapTokens: number;
}

export const DEFAULT_CHUNKER: ChunkerOptions = { maxTokens: 400, overlapTokens: 50 };

/** The chunker's identity including its sizes (two sizes are two index versions). */
export function chunkerId(o: ChunkerOptions = DEFAULT_CHUNKER): string {
  return `${CHUNKER_VERSION}-${o.maxTokens}-${o.overlapTokens}`;
}

const SENTENCE = /(?<=[.!?;:])\s+(?=\S)/u;

function sentences(text: string): string[] {
  return text.split(SENTENCE).filter((s) => s.trim() !== '');
}

/** Hard split of one over-long sentence at word boundaries. */
function splitWords(text: string, max: number): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const w of text.split(/\s+/)) {
    if (cur.length && countTokens([...cur, w].join(' ')) > max) {
      out.push(cur.join(' '));
      cur = [];
    }
    cur.push(w);
  }
  if (cur.length) out.push(cur.join(' '));
  return out;
}

/** Pieces of prose of at most `max` tokens each, cut at sentence ends where possible. */
function splitProse(text: string, max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const s of sentences(text)) {
    const pieces = countTokens(s) > max ? splitWords(s, max) : [s];
    for (const p of pieces) {
      const next = cur ? `${cur} ${p}` : p;
      if (cur && countTokens(next) > max) {
        out.push(cur);
        cur = p;
      } else cur = next;
    }
  }
  if (cur) out.push(cur);
  return out;
}

function splitTable(block: Block, max: number): string[] {
  const rows = block.text.split('\n');
  const header = block.header ?? rows[0] ?? '';
  const body = block.header ? rows : rows.slice(1);
  const out: string[] = [];
  let cur: string[] = [];
  for (const r of body) {
    if (cur.length && countTokens([header, ...cur, r].join('\n')) > max) {
      out.push([header, ...cur].join('\n'));
      cur = [];
    }
    cur.push(r);
  }
  if (cur.length) out.push([header, ...cur].join('\n'));
  return out;
}

/** The trailing sentences of `text` that fit in `budget` tokens. */
function tail(text: string, budget: number): string {
  if (budget <= 0) return '';
  const ss = sentences(text);
  const kept: string[] = [];
  for (let i = ss.length - 1; i >= 0; i--) {
    const s = ss[i] as string;
    if (countTokens([s, ...kept].join(' ')) > budget) break;
    kept.unshift(s);
  }
  return kept.join(' ');
}

export function chunkDocument(doc: SourceDocument, o: ChunkerOptions = DEFAULT_CHUNKER): Chunk[] {
  const chunks: Chunk[] = [];
  const path: Array<{ level: number; text: string }> = [];
  let parts: string[] = [];
  let page: number | null = null;
  let lastProse = '';
  let lastCarry = '';

  const section = () => (path.length ? path.map((h) => h.text).join(' > ') : null);
  const emit = (text: string, p: number | null) => {
    const t = text.trim();
    if (!t) return;
    chunks.push({
      source: doc.source,
      ordinal: chunks.length,
      title: doc.title,
      section: section(),
      page: p,
      text: t,
      tokens: countTokens(t),
    });
  };
  const flush = (overlap: boolean) => {
    const text = parts.join('\n\n');
    // a chunk that is only the overlap carried from the previous one adds nothing
    if (parts.length && !(parts.length === 1 && parts[0] === lastCarry)) emit(text, page);
    parts = [];
    lastCarry = '';
    if (overlap && lastProse) {
      const carry = tail(lastProse, o.overlapTokens);
      if (carry) {
        parts.push(carry);
        lastCarry = carry;
      }
    }
  };
  const used = () => countTokens(parts.join('\n\n'));

  for (const b of doc.blocks) {
    const text = b.text.trim();
    if (!text) continue;
    if (b.type === 'heading') {
      flush(false);
      const level = b.level ?? 1;
      while (path.length && (path[path.length - 1]?.level ?? 0) >= level) path.pop();
      path.push({ level, text });
      parts.push(text);
      page = b.page ?? page;
      lastProse = '';
      continue;
    }
    if (parts.length === 0 || (parts.length === 1 && parts[0] === lastCarry)) page = b.page ?? null;
    const t = countTokens(text);
    const room = o.maxTokens - used() - (parts.length ? 2 : 0);
    if (t <= room) {
      parts.push(text);
      lastProse = b.type === 'table' ? '' : text;
      continue;
    }
    if (t <= o.maxTokens && b.type === 'table') {
      flush(false);
      page = b.page ?? null;
      parts.push(text);
      lastProse = '';
      continue;
    }
    if (t <= o.maxTokens - o.overlapTokens) {
      flush(true);
      page = b.page ?? null;
      parts.push(text);
      lastProse = b.type === 'table' ? '' : text;
      continue;
    }
    // longer than a chunk: its own chunks
    flush(b.type !== 'table');
    const carry = parts.join('\n\n');
    parts = [];
    lastCarry = '';
    page = b.page ?? null;
    if (b.type === 'table') {
      for (const piece of splitTable({ ...b, text }, o.maxTokens)) emit(piece, page);
      lastProse = '';
    } else {
      const pieces = splitProse(text, o.maxTokens - o.overlapTokens);
      let prev = carry;
      for (const piece of pieces) {
        emit(prev ? `${prev} ${piece}` : piece, page);
        prev = tail(piece, o.overlapTokens);
      }
      lastProse = pieces[pieces.length - 1] ?? '';
      if (prev) {
        parts.push(prev);
        lastCarry = prev;
      }
    }
  }
  flush(false);
  return chunks;
}
