import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { InverterSpecs, ModuleSpecs, ProposalJson } from '@ysh/common/domain';
import { type ApiContext, principalOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { decodeCursor, encodeCursor, limitOf, Page, PageQuery } from '../http/pagination.ts';
import { errors } from '../http/schemas.ts';
import { canSeeSite, type Principal } from '../identity/principal.ts';
import { withBatch } from './batch.ts';

/**
 * The batch-jobs domain through the wiring's BatchServices (this component does not import
 * batch-jobs): gold tariffs, the gold catalog, proposals (sized, priced, stored, as PDF) and the
 * RAG search. Reads need viewer, creating a proposal needs operator. Tariffs, catalog and search
 * are platform reference data, open to every scope. Proposals are not site data until accepted:
 * a caller scoped to some sites sees the proposals linked to one of them or to no site yet, and
 * gets 404 for the rest.
 */
const Name = (max = 100) => Type.String({ minLength: 1, maxLength: max });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Sku = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.:/+-]+$' });
const ProposalId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' });
const Num = Type.Number();
const NullableNum = Type.Union([Type.Number(), Type.Null()]);
const Str = Type.String();
const NullableStr = Type.Union([Type.String(), Type.Null()]);

const TariffQuoteT = Type.Object({
  distribuidora: Str,
  subgrupo: Str,
  modalidade: Str,
  classe: Str,
  date: Str,
  vigenciaStart: Str,
  vigenciaEnd: NullableStr,
  teBrlPerKwh: Num,
  tusdBrlPerKwh: Num,
  tusdFioBBrlPerKwh: NullableNum,
  bandeira: Type.Union([Type.Object({ competencia: Str, name: Str, addBrlPerKwh: Num }), Type.Null()]),
  taxes: Type.Object({ uf: Str, icms: Num, pis: Num, cofins: Num }),
  allInBrlPerKwh: Num,
  provenance: Type.Object({ reh: Str, file: Str, line: Num, sourceHash: Str }),
});

const CatalogItemT = Type.Object({
  sku: Str,
  kind: Type.Union([Type.Literal('module'), Type.Literal('inverter')]),
  brand: Str,
  model: Str,
  priceBrl: NullableNum,
  sources: Type.Array(Str),
  conflicts: Type.Array(Type.Object({ field: Str, values: Type.Record(Str, Type.Unknown()) })),
  dataVersion: Str,
  specs: Type.Unsafe<ModuleSpecs | InverterSpecs>({
    type: 'object',
    additionalProperties: true,
    description: 'ModuleSpecs or InverterSpecs (SI units, fractions; see batch-jobs README)',
  }),
});

const ProposalSummaryT = Type.Object({
  id: Str,
  status: Str,
  origin: Str,
  customerClass: Str,
  distribuidora: Str,
  dcKwp: Num,
  annualKwh: Num,
  irr: NullableNum,
  npvBrl: Num,
  paybackYears: NullableNum,
  siteId: NullableStr,
  catalogVersion: Str,
  tariffVersion: Str,
  createdAt: Str,
});

const ProposalT = Type.Object(
  { id: Str, status: Str, siteId: NullableStr },
  {
    additionalProperties: true,
    description: 'the whole proposal: quote, sizing, generation, tariff, bills, cash flow, KPIs, versions',
  },
);

const SearchHitT = Type.Object({
  namespace: Str,
  source: Str,
  title: Str,
  section: NullableStr,
  page: NullableNum,
  score: Num,
  text: Str,
});

/** A proposal the caller may not see is answered as absent. */
function visible(p: Principal, proposal: ProposalJson): ProposalJson {
  const site = proposal.siteId ?? null;
  if (site !== null && !canSeeSite(p, site)) throw new ApiError('API_NOT_FOUND', `no proposal ${proposal.id}`);
  return proposal;
}

export const domainRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/tarifas',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['domain'],
        summary: 'The gold tariff in force (TE, TUSD, Fio B, bandeira, taxes, all-in price, provenance)',
        querystring: Type.Object(
          {
            distribuidora: Name(),
            subgrupo: Type.String({ minLength: 1, maxLength: 10, pattern: '^[A-Za-z0-9]+$' }),
            modalidade: Type.Optional(Name()),
            classe: Type.Optional(Name()),
            date: Type.Optional(IsoDate),
          },
          { additionalProperties: false },
        ),
        response: { 200: TariffQuoteT, ...errors(404, 503) },
      },
    },
    async (request) => withBatch(ctx, (b) => b.tariff(request.query)),
  );

  app.get(
    '/catalog',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['domain'],
        summary: 'Gold catalog items by SKU (kind, brand, words of brand/model/SKU)',
        querystring: Type.Object(
          {
            ...PageQuery,
            kind: Type.Optional(Type.Union([Type.Literal('module'), Type.Literal('inverter')])),
            brand: Type.Optional(Name()),
            q: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(CatalogItemT), ...errors(503) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = limitOf(q);
      const after = decodeCursor(q.cursor, ['string']);
      const rows = await withBatch(ctx, (b) =>
        b.catalog.list({
          ...(q.kind ? { kind: q.kind } : {}),
          ...(q.brand ? { brand: q.brand } : {}),
          ...(q.q ? { q: q.q } : {}),
          ...(after ? { cursor: after[0] as string } : {}),
          limit: limit + 1,
        }),
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.sku]) : null };
    },
  );

  app.get(
    '/catalog/:sku',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['domain'],
        summary: 'One gold catalog item',
        params: Type.Object({ sku: Sku }),
        response: { 200: CatalogItemT, ...errors(404, 503) },
      },
    },
    async (request) => {
      const item = await withBatch(ctx, (b) => b.catalog.get(request.params.sku));
      if (!item) throw new ApiError('API_NOT_FOUND', `no catalog item ${request.params.sku}`);
      return item;
    },
  );

  app.post(
    '/proposals',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['domain'],
        summary: 'Size, price and store a proposal from a quote (the `ysh proposta new` quote JSON)',
        body: Type.Object({}, { additionalProperties: true, description: 'a quote (examples/quote-b1.json)' }),
        response: { 201: ProposalT, ...errors(404, 502, 503) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const proposal = await withBatch(ctx, (b) => b.proposals.create(request.body, p.email));
      request.audit = {
        target: `proposal/${proposal.id}`,
        after: { id: proposal.id, customer: proposal.customer, capexBrl: proposal.capexBrl },
      };
      return reply.code(201).send(proposal);
    },
  );

  app.get(
    '/proposals',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['domain'],
        summary: 'Stored proposals, newest first',
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: { 200: Page(ProposalSummaryT), ...errors(503) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const limit = limitOf(request.query);
      const after = decodeCursor(request.query.cursor, ['string', 'string']);
      const rows = await withBatch(ctx, (b) =>
        b.proposals.list({
          limit: limit + 1,
          sites: p.sites,
          ...(after ? { after: { createdAt: after[0] as string, id: after[1] as string } } : {}),
        }),
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt, last.id]) : null };
    },
  );

  app.get(
    '/proposals/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['domain'],
        summary: 'One proposal, whole',
        params: Type.Object({ id: ProposalId }),
        response: { 200: ProposalT, ...errors(404, 503) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return visible(p, await withBatch(ctx, (b) => b.proposals.get(request.params.id)));
    },
  );

  app.get(
    '/proposals/:id/pdf',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['domain'],
        summary: 'The proposal as PDF (Portuguese)',
        params: Type.Object({ id: ProposalId }),
        produces: ['application/pdf'],
        response: {
          200: {
            description: 'the proposal PDF',
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          },
          ...errors(404, 503),
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const id = request.params.id;
      const pdf = await withBatch(ctx, async (b) => {
        visible(p, await b.proposals.get(id));
        return b.proposals.pdf(id);
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="proposta-${id}.pdf"`)
        .send(pdf);
    },
  );

  app.get(
    '/search',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['domain'],
        summary: 'Hybrid search (full text + vectors) over the catalog and docs indexes',
        querystring: Type.Object(
          {
            q: Type.String({ minLength: 1, maxLength: 500 }),
            namespace: Type.Optional(Type.Union([Type.Literal('catalog'), Type.Literal('docs')])),
            brand: Type.Optional(Name()),
            kind: Type.Optional(Type.Union([Type.Literal('module'), Type.Literal('inverter')])),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(SearchHitT),
            mode: Type.Union([Type.Literal('hybrid'), Type.Literal('fulltext')]),
            note: Type.Optional(Str),
          }),
          ...errors(502, 503),
        },
      },
    },
    async (request) => {
      const q = request.query;
      if (!q.q.trim()) throw new ApiError('API_BAD_REQUEST', 'q: expected some words to search for');
      const filters = { ...(q.brand ? { brand: q.brand } : {}), ...(q.kind ? { kind: q.kind } : {}) };
      const r = await withBatch(ctx, (b) =>
        b.search({
          q: q.q,
          ...(q.namespace ? { namespace: q.namespace } : {}),
          ...(Object.keys(filters).length ? { filters } : {}),
          limit: q.limit ?? 10,
        }),
      );
      return { items: r.hits, mode: r.mode, ...(r.note ? { note: r.note } : {}) };
    },
  );
};
