import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError, errorFromResponse, readCookie, withQuery } from './client.ts';

describe('errorFromResponse', () => {
  it("keeps the API's code, message and request id and the HTTP status", async () => {
    const res = new Response(
      JSON.stringify({
        error: { code: 'API_FORBIDDEN_SITE', message: 'site-rj-002 is outside your sites', requestId: 'r-123' },
      }),
      { status: 403, statusText: 'Forbidden' },
    );
    const e = await errorFromResponse(res);
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message, e.requestId]).toEqual([
      403,
      'API_FORBIDDEN_SITE',
      'site-rj-002 is outside your sites',
      'r-123',
    ]);
  });

  it('falls back to the status line for a body that is not the error shape (a proxy page, empty body)', async () => {
    const html = await errorFromResponse(
      new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    expect([html.code, html.message]).toEqual(['HTTP_502', 'Bad Gateway']);
    const empty = await errorFromResponse(new Response(null, { status: 500 }));
    expect(empty.code).toBe('HTTP_500');
    expect(empty.message).not.toBe('');
  });

  it('property: any body and status gives an ApiError with a non-empty code and message, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 400, max: 599 }),
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ error: v })),
        ),
        async (status, body) => {
          const e = await errorFromResponse(new Response(body, { status }));
          expect(e.status).toBe(status);
          expect(typeof e.code).toBe('string');
          expect(e.code.length).toBeGreaterThan(0);
          expect(e.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('request helpers', () => {
  it('reads the CSRF cookie among others and decodes it', () => {
    expect(readCookie('theme=dark; ysh_csrf=a%2Bb%3D; other=1', 'ysh_csrf')).toBe('a+b=');
    expect(readCookie('ysh_csrf_old=x', 'ysh_csrf')).toBeNull();
  });

  it('drops empty query values and appends to an existing query', () => {
    expect(withQuery('/v1/alerts', { site: 'site-sp-001', device: '', rule: undefined, limit: 500 })).toBe(
      '/v1/alerts?site=site-sp-001&limit=500',
    );
    expect(withQuery('/v1/x?a=1', { q: 'são paulo' })).toBe('/v1/x?a=1&q=s%C3%A3o+paulo');
    expect(withQuery('/v1/x', {})).toBe('/v1/x');
  });
});
