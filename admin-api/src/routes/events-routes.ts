import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ApiContext, principalOf } from '../context.ts';
import { ApiError } from '../errors.ts';
import { canSeeSite } from '../identity/principal.ts';
import { EVENT_TYPES, type FeedEvent } from '../events/event-feed.ts';
import { errors } from '../http/schemas.ts';

const HEARTBEAT_MS = 15_000;

/** Server-Sent Events: alert and run events in the caller's scope, resumable with Last-Event-ID. */
export const eventsRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const open = new Set<() => void>();
  // Before the server waits for its connections to end: a stream would otherwise hold it open.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get(
    '/events',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['events'],
        summary: `SSE stream of ${EVENT_TYPES.join(', ')}; id: is monotonic, send Last-Event-ID to resume`,
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) }),
        querystring: Type.Object(
          {
            types: Type.Optional(Type.String({ maxLength: 200, pattern: '^[a-z.,]*$' })),
            lastEventId: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
          },
          { additionalProperties: false },
        ),
        produces: ['text/event-stream'],
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errors(),
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const resume = request.headers['last-event-id'] ?? request.query.lastEventId;
      const types = request.query.types ? new Set(request.query.types.split(',').filter(Boolean)) : null;
      if (types && [...types].some((t) => !(EVENT_TYPES as readonly string[]).includes(t)))
        throw new ApiError('API_BAD_REQUEST', `types: a comma list of ${EVENT_TYPES.join(', ')}`);
      const visible = (e: FeedEvent) =>
        (types === null || types.has(e.type)) && (e.site === null ? p.sites === null : canSeeSite(p, e.site));
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      res.write('retry: 2000\n\n');
      const send = (e: FeedEvent) => {
        const { seq, ...data } = e;
        res.write(`id: ${seq}\nevent: ${e.type}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      let unsubscribe: (() => void) | undefined;
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe?.();
        open.delete(end);
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      request.raw.on('close', end);
      // The request timeout must not cut a stream: it lives until the client or the server closes it.
      request.raw.socket.setTimeout(0);
      try {
        unsubscribe = await ctx.events.subscribe(resume === undefined ? null : Number(resume), visible, send);
      } catch (err) {
        request.log.warn({ err: (err as Error).message }, 'event stream could not start');
        end();
      }
      if (res.writableEnded) unsubscribe?.();
    },
  );
};
