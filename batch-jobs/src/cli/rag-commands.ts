import { ConfigError, intFlag, parseFlags, type CliCommand } from '@ysh/common';
import { indexNamespace, planIndex, type IndexPlan } from '../rag/indexer.ts';
import { localEmbedder } from '../rag/local-embedder.ts';
import { namespaceInput, RAG_NAMESPACES, ragRuntime, type RagNamespace } from '../rag/runtime.ts';
import { verifyNamespace, type VerifyReport } from '../rag/verify.ts';
import { searchChunks, type SearchFilters } from '../search/search.ts';
import { RAG_META, RAG_USAGE, SEARCH_META } from './commands-meta.ts';
import { open } from './open.ts';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

function namespaces(v: string | undefined): RagNamespace[] {
  if (v === undefined) return [...RAG_NAMESPACES];
  if (!(RAG_NAMESPACES as readonly string[]).includes(v))
    throw new ConfigError('--namespace', `expected one of ${RAG_NAMESPACES.join(', ')}`);
  return [v as RagNamespace];
}

function planLine(p: IndexPlan): string {
  return [
    `${p.namespace}: version ${p.version}${p.rebuild ? ` (rebuild; searches read ${p.activeVersion} until it completes)` : ''}`,
    `  ${p.documents} documents, ${p.chunks} chunks with ${p.embedder}`,
    `  embed ${p.toEmbed} chunks (${p.tokens} tokens, US$ ${p.costUsd.toFixed(4)}), resume ${p.toResume}, metadata updates ${p.metadataUpdates}, deletes ${p.deletes}, unchanged ${p.unchanged}`,
  ].join('\n');
}

function verifyLine(r: VerifyReport): string {
  if (!r.version) return `${r.namespace}: not indexed yet`;
  const list = (name: string, ids: string[]) =>
    ids.length ? `\n  ${name} (${ids.length}): ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}` : '';
  const ok = !r.missing.length && !r.orphaned.length && !r.stale.length;
  return `${r.namespace}: version ${r.version} in ${r.store}: manifest ${r.manifest}, store ${r.stored} — ${ok ? 'consistent' : r.repaired ? 'repaired' : 'INCONSISTENT'}${list('missing', r.missing)}${list('orphaned', r.orphaned)}${list('stale', r.stale)}`;
}

export function parseFilters(items: string[]): SearchFilters {
  const f: SearchFilters = {};
  for (const item of items) {
    const i = item.indexOf('=');
    const key = i > 0 ? item.slice(0, i).trim() : '';
    const value = i > 0 ? item.slice(i + 1).trim() : '';
    const num = () => {
      const n = Number(value.replace(',', '.'));
      if (value === '' || !Number.isFinite(n))
        throw new ConfigError('--filter', `${key} needs a number, got "${value}"`);
      return n;
    };
    if (!value) throw new ConfigError('--filter', `expected KEY=VALUE, got "${item}"`);
    if (key === 'kind') f.kind = value;
    else if (key === 'brand') f.brand = value;
    else if (key === 'power_min') f.powerMinW = num();
    else if (key === 'power_max') f.powerMaxW = num();
    else if (key === 'price_min') f.priceMinBrl = num();
    else if (key === 'price_max') f.priceMaxBrl = num();
    else
      throw new ConfigError(
        '--filter',
        `unknown key "${key}" (kind, brand, power_min, power_max, price_min, price_max)`,
      );
  }
  return f;
}

export const ragCommand: CliCommand = {
  ...RAG_META,
  async run(argv, context) {
    const [sub, ...rest] = argv;
    if (sub !== 'plan' && sub !== 'index' && sub !== 'verify') {
      process.stderr.write(`${sub === undefined ? '' : `ysh rag: unknown command "${sub}"\n\n`}${RAG_USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    const { values } = parseFlags(`rag ${sub}`, rest, {
      namespace: { type: 'string' },
      json: { type: 'boolean' },
      repair: { type: 'boolean' },
    });
    if (values.repair && sub !== 'verify') throw new ConfigError('--repair', 'only ysh rag verify takes it');
    const nss = namespaces(values.namespace);
    const o = await open(context, 'rag', 'warn');
    try {
      const rt = await ragRuntime(o.pool, o.config.rag);
      const results: unknown[] = [];
      for (const ns of nss) {
        const input = await namespaceInput(o.pool, o.config.rag, rt, ns, { warn: (m, d) => o.logger.warn(d ?? {}, m) });
        if (sub === 'plan') {
          const p = await planIndex(o.pool, input);
          results.push(p);
          if (!values.json) out(planLine(p));
        } else if (sub === 'index') {
          const r = await indexNamespace(o.pool, input);
          results.push(r);
          if (!values.json)
            out(
              `${planLine(r)}\n  done: ${r.requests} embedding requests, ${r.upserts} upserts${r.switched ? ', alias switched' : ''}`,
            );
        } else {
          const r = await verifyNamespace(o.pool, rt.store, ns, { repair: values.repair });
          results.push(r);
          if (!values.json) out(verifyLine(r));
          if (!r.repaired && (r.missing.length || r.orphaned.length || r.stale.length)) process.exitCode = 1;
        }
      }
      if (values.json) out(JSON.stringify(results, null, 2));
      else if (sub !== 'verify') out(`mode: ${rt.mode}`);
    } finally {
      await o.close();
    }
  },
};

export const searchCommand: CliCommand = {
  ...SEARCH_META,
  async run(argv, context) {
    const { values, positionals } = parseFlags(
      'search',
      argv,
      {
        namespace: { type: 'string' },
        filter: { type: 'string', multiple: true },
        limit: { type: 'string' },
        json: { type: 'boolean' },
      },
      true,
    );
    const q = positionals.join(' ').trim();
    if (!q) throw new ConfigError('QUERY', 'expected a query, e.g. ysh search "inversor 10 kW"');
    if (values.namespace !== undefined) namespaces(values.namespace);
    const filters = parseFilters(values.filter ?? []);
    const limit = intFlag('limit', values.limit, 10, 1, 100);
    const o = await open(context, 'search', 'warn');
    try {
      const rt = await ragRuntime(o.pool, o.config.rag);
      const r = await searchChunks(
        o.pool,
        { q, namespace: values.namespace, filters, limit },
        {
          embedders: [rt.embedder, localEmbedder(o.config.rag.localDimensions)],
          store: rt.store.kind === 'none' ? undefined : rt.store,
        },
      );
      if (values.json) {
        out(JSON.stringify(r, null, 2));
        return;
      }
      if (r.note) process.stderr.write(`note: ${r.note}\n`);
      if (!r.hits.length) out('no results');
      r.hits.forEach((h, i) => {
        const where = [h.section, h.page != null ? `p. ${h.page}` : null].filter(Boolean).join(', ');
        const price = typeof h.metadata.price_brl === 'number' ? ` — R$ ${h.metadata.price_brl.toFixed(2)}` : '';
        const text = h.text.length > 240 ? `${h.text.slice(0, 237)}…` : h.text;
        out(
          `${i + 1}. [${h.namespace}] ${h.title}${price}  (${h.source}${where ? `; ${where}` : ''}; score ${h.score.toFixed(4)})\n   ${text.replace(/\s+/g, ' ')}`,
        );
      });
      out(`mode: ${r.mode}`);
    } finally {
      await o.close();
    }
  },
};
