import { extname } from 'node:path';
import mammoth from 'mammoth';
import { marked, type Token, type Tokens } from 'marked';
import { parse as parseHtml, type HTMLElement, NodeType, type Node } from 'node-html-parser';
import { JobsError } from '../errors.ts';
import type { Block } from './types.ts';

/**
 * Document parsers: each turns a file's bytes into structural blocks (headings with their level,
 * paragraphs, lists, tables kept as one block with their header row, pages for PDF) and a title.
 * Markdown through marked's lexer, HTML through node-html-parser, DOCX through mammoth (to HTML,
 * then the HTML parser), PDF through Mozilla's pdf.js (text per page; a line set in a larger font
 * than the body is taken as a heading).
 */
export interface ParsedDocument {
  title: string | undefined;
  blocks: Block[];
}

export const DOC_EXTENSIONS = ['.md', '.markdown', '.html', '.htm', '.docx', '.pdf'] as const;
export const DOC_PATTERN = /\.(md|markdown|html?|docx|pdf)$/i;

const clean = (s: string) => s.replace(/\s+/g, ' ').trim();

// ---- Markdown

function mdInline(tokens: Token[] | undefined, raw: string): string {
  if (!tokens) return clean(raw);
  return clean(
    tokens.map((t) => ('tokens' in t && t.tokens ? mdInline(t.tokens, '') : 'text' in t ? t.text : t.raw)).join(''),
  );
}

function mdBlocks(tokens: Token[], out: Block[]): void {
  for (const t of tokens) {
    switch (t.type) {
      case 'heading': {
        const h = t as Tokens.Heading;
        out.push({ type: 'heading', level: h.depth, text: mdInline(h.tokens, h.text) });
        break;
      }
      case 'paragraph': {
        const p = t as Tokens.Paragraph;
        out.push({ type: 'paragraph', text: mdInline(p.tokens, p.text) });
        break;
      }
      case 'table': {
        const tb = t as Tokens.Table;
        const header = tb.header.map((c) => clean(c.text)).join(' | ');
        const rows = tb.rows.map((r) => r.map((c) => clean(c.text)).join(' | '));
        out.push({ type: 'table', header, text: [header, ...rows].join('\n') });
        break;
      }
      case 'list': {
        const l = t as Tokens.List;
        out.push({ type: 'list', text: l.items.map((i) => `- ${clean(i.text)}`).join('\n') });
        break;
      }
      case 'code':
        out.push({ type: 'code', text: (t as Tokens.Code).text });
        break;
      case 'blockquote':
        mdBlocks((t as Tokens.Blockquote).tokens, out);
        break;
      case 'html':
        out.push(...htmlBlocks((t as Tokens.HTML).text).blocks);
        break;
      default:
        break;
    }
  }
}

export function parseMarkdown(text: string): ParsedDocument {
  const blocks: Block[] = [];
  mdBlocks(marked.lexer(text), blocks);
  return { title: blocks.find((b) => b.type === 'heading')?.text, blocks };
}

// ---- HTML

const HEADING = /^h([1-6])$/;

function textOf(n: Node): string {
  return clean(n.textContent);
}

function walk(el: HTMLElement, out: Block[]): void {
  for (const child of el.childNodes) {
    if (child.nodeType === NodeType.TEXT_NODE) {
      const t = clean(child.textContent);
      if (t) out.push({ type: 'paragraph', text: t });
      continue;
    }
    if (child.nodeType !== NodeType.ELEMENT_NODE) continue;
    const c = child as HTMLElement;
    const tag = c.rawTagName?.toLowerCase() ?? '';
    const h = HEADING.exec(tag);
    if (h) out.push({ type: 'heading', level: Number(h[1]), text: textOf(c) });
    else if (tag === 'p') out.push({ type: 'paragraph', text: textOf(c) });
    else if (tag === 'ul' || tag === 'ol')
      out.push({
        type: 'list',
        text: c
          .querySelectorAll('li')
          .map((li) => `- ${textOf(li)}`)
          .join('\n'),
      });
    else if (tag === 'table') {
      const rows = c.querySelectorAll('tr').map((tr) =>
        tr
          .querySelectorAll('th,td')
          .map((cell) => textOf(cell))
          .join(' | '),
      );
      if (rows.length) out.push({ type: 'table', header: rows[0], text: rows.join('\n') });
    } else if (tag === 'pre') out.push({ type: 'code', text: c.textContent });
    else if (['script', 'style', 'nav', 'head', 'template', 'noscript'].includes(tag)) continue;
    else walk(c, out);
  }
}

export function htmlBlocks(html: string): ParsedDocument {
  const root = parseHtml(html, { comment: false });
  const blocks: Block[] = [];
  walk(root.querySelector('body') ?? root, blocks);
  const title = root.querySelector('title');
  return {
    title: (title && textOf(title)) || blocks.find((b) => b.type === 'heading')?.text,
    blocks: blocks.filter((b) => b.text !== ''),
  };
}

// ---- DOCX

export async function parseDocx(data: Buffer): Promise<ParsedDocument> {
  const { value } = await mammoth.convertToHtml({ buffer: data });
  return htmlBlocks(value);
}

// ---- PDF

interface PdfTextItem {
  str: string;
  hasEOL: boolean;
  transform: number[];
  height: number;
}

export async function parsePdf(data: Buffer): Promise<ParsedDocument> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({
    data: new Uint8Array(data),
    useSystemFonts: false,
    isEvalSupported: false,
    verbosity: 0,
  }).promise;
  try {
    const lines: Array<{ text: string; size: number; page: number; y: number }> = [];
    for (let p = 1; p <= doc.numPages; p++) {
      const page = await doc.getPage(p);
      const content = await page.getTextContent();
      let cur = '';
      let size = 0;
      let y = 0;
      for (const raw of content.items) {
        if (!('str' in raw)) continue;
        const it = raw as PdfTextItem;
        cur += it.str;
        // empty items (line ends, spacing) carry no reliable font size
        if (it.str.trim()) size = Math.max(size, Math.abs(it.transform[3] ?? it.height));
        y = it.transform[5] ?? y;
        if (it.hasEOL) {
          lines.push({ text: cur, size, page: p, y });
          cur = '';
          size = 0;
        }
      }
      if (cur.trim()) lines.push({ text: cur, size, page: p, y });
      page.cleanup();
    }
    // body size = the most common line size; larger lines are headings (bigger = higher level)
    const counts = new Map<number, number>();
    for (const l of lines) if (l.text.trim()) counts.set(Math.round(l.size), (counts.get(Math.round(l.size)) ?? 0) + 1);
    const body = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
    const headingSizes = [...counts.keys()].filter((s) => s > body + 1).sort((a, b) => b - a);
    const blocks: Block[] = [];
    let para: string[] = [];
    let paraPage = 1;
    const flush = () => {
      if (para.length) blocks.push({ type: 'paragraph', text: clean(para.join(' ')), page: paraPage });
      para = [];
    };
    for (const l of lines) {
      const t = clean(l.text);
      if (!t) {
        flush();
        continue;
      }
      const s = Math.round(l.size);
      if (headingSizes.includes(s)) {
        flush();
        blocks.push({ type: 'heading', level: Math.min(6, headingSizes.indexOf(s) + 1), text: t, page: l.page });
        continue;
      }
      if (!para.length) paraPage = l.page;
      para.push(t);
      if (/[.!?:]$/.test(t)) flush();
    }
    flush();
    const info = (await doc.getMetadata().catch(() => undefined))?.info as { Title?: string } | undefined;
    return { title: info?.Title || blocks.find((b) => b.type === 'heading')?.text, blocks };
  } finally {
    await doc.destroy();
  }
}

/** Parses a document by its extension; unknown extensions and broken files are typed errors. */
export async function parseDocument(name: string, data: Buffer): Promise<ParsedDocument> {
  const ext = extname(name).toLowerCase();
  try {
    switch (ext) {
      case '.md':
      case '.markdown':
        return parseMarkdown(data.toString('utf8'));
      case '.html':
      case '.htm':
        return htmlBlocks(data.toString('utf8'));
      case '.docx':
        return await parseDocx(data);
      case '.pdf':
        return await parsePdf(data);
      default:
        break;
    }
  } catch (err) {
    throw new JobsError('JOBS_RAG_PARSE_FAILED', `cannot parse ${name}: ${(err as Error).message}`, { cause: err });
  }
  throw new JobsError(
    'JOBS_RAG_UNSUPPORTED_FORMAT',
    `${name}: no parser for "${ext || '(no extension)'}" (PDF, Markdown, HTML, DOCX)`,
  );
}
