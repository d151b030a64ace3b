import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TempDir, tempDir } from '@ysh/test-helpers';
import { BANDEIRAS_RESOURCE_ID, fetchAneel, TARIFAS_RESOURCE_ID, USER_AGENT } from './fetcher.ts';
import { ANEEL_FIXTURES_DIR } from './index.ts';

/**
 * A local stand-in for the ANEEL CKAN portal: datastore_search pages of the fixture records,
 * resource_show pointing at a download URL, the CSV downloads; it records every request and can
 * fail the first N of them with 503.
 */
async function startPortal() {
  const records = JSON.parse(
    await readFile(join(ANEEL_FIXTURES_DIR, 'aneel-datastore-tarifas-homologadas_2records.json'), 'utf8'),
  ) as unknown[];
  const bandeirasCsv = await readFile(join(ANEEL_FIXTURES_DIR, 'bandeira-tarifaria-acionamento.csv'));
  const tarifasCsv = await readFile(join(ANEEL_FIXTURES_DIR, 'tarifas-homologadas_raw-layout_reconstructed_2rows.csv'));
  const requests: Array<{ path: string; query: Record<string, string>; headers: IncomingMessage['headers'] }> = [];
  const state = { failNext: 0 };
  let base = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers });
    if (state.failNext > 0) {
      state.failNext--;
      res.writeHead(503).end('busy');
      return;
    }
    const json = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/api/3/action/datastore_search') {
      if (url.searchParams.get('resource_id') !== TARIFAS_RESOURCE_ID)
        return json({ success: false, error: { message: 'Not found' } });
      const limit = Number(url.searchParams.get('limit'));
      const offset = Number(url.searchParams.get('offset'));
      return json({ success: true, result: { records: records.slice(offset, offset + limit), total: records.length } });
    }
    if (url.pathname === '/api/3/action/resource_show') {
      const id = url.searchParams.get('id');
      const file =
        id === BANDEIRAS_RESOURCE_ID
          ? 'bandeira-tarifaria-acionamento.csv'
          : 'tarifas-homologadas-distribuidoras-energia-eletrica.csv';
      return json({ success: true, result: { id, url: `${base}/dataset/x/resource/${id}/download/${file}` } });
    }
    if (url.pathname.endsWith('/download/bandeira-tarifaria-acionamento.csv'))
      return res.writeHead(200).end(bandeirasCsv);
    if (url.pathname.endsWith('/download/tarifas-homologadas-distribuidoras-energia-eletrica.csv'))
      return res.writeHead(200).end(tarifasCsv);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, requests, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('ANEEL portal fetcher (against a local CKAN stand-in)', () => {
  let portal: Awaited<ReturnType<typeof startPortal>>;
  let dir: TempDir;
  beforeAll(async () => {
    portal = await startPortal();
  });
  afterAll(async () => {
    await portal.close();
  });
  beforeEach(async () => {
    portal.requests.length = 0;
    portal.state.failNext = 0;
    await dir?.remove();
    dir = await tempDir('ysh-aneel-');
  });

  it('pages through datastore_search with a filter, then downloads the bandeiras CSV', async () => {
    const written = await fetchAneel({
      mode: 'datastore',
      portalUrl: portal.url,
      dir: dir.path,
      distribuidoras: ['Equatorial PI'],
      pageSize: 1,
      retries: 0,
    });
    expect(written).toEqual(['aneel-datastore-equatorial-pi.json', 'bandeira-tarifaria-acionamento.csv']);
    expect(portal.requests.map((r) => [r.path, r.query])).toEqual([
      [
        '/api/3/action/datastore_search',
        { resource_id: TARIFAS_RESOURCE_ID, limit: '1', offset: '0', filters: '{"SigAgente":"Equatorial PI"}' },
      ],
      [
        '/api/3/action/datastore_search',
        { resource_id: TARIFAS_RESOURCE_ID, limit: '1', offset: '1', filters: '{"SigAgente":"Equatorial PI"}' },
      ],
      ['/api/3/action/resource_show', { id: BANDEIRAS_RESOURCE_ID }],
      [`/dataset/x/resource/${BANDEIRAS_RESOURCE_ID}/download/bandeira-tarifaria-acionamento.csv`, {}],
    ]);
    expect(portal.requests.every((r) => r.headers['user-agent'] === USER_AGENT)).toBe(true);
    const saved = JSON.parse(await readFile(join(dir.path, 'aneel-datastore-equatorial-pi.json'), 'utf8')) as Array<{
      _id: number;
    }>;
    expect(saved.map((r) => r._id)).toEqual([237784, 237785]);
    expect((await readdir(dir.path)).sort()).toEqual([
      'aneel-datastore-equatorial-pi.json',
      'bandeira-tarifaria-acionamento.csv',
    ]);
  });

  it('downloads the official CSV through resource_show, retrying a 503', async () => {
    portal.state.failNext = 2;
    const written = await fetchAneel({
      mode: 'csv',
      portalUrl: portal.url,
      dir: dir.path,
      distribuidoras: [],
      pageSize: 1000,
      retries: 3,
      retryDelayMs: 10,
    });
    expect(written).toEqual([
      'tarifas-homologadas-distribuidoras-energia-eletrica.csv',
      'bandeira-tarifaria-acionamento.csv',
    ]);
    expect(portal.requests.map((r) => r.path)).toEqual([
      '/api/3/action/resource_show',
      '/api/3/action/resource_show',
      '/api/3/action/resource_show',
      `/dataset/x/resource/${TARIFAS_RESOURCE_ID}/download/tarifas-homologadas-distribuidoras-energia-eletrica.csv`,
      '/api/3/action/resource_show',
      `/dataset/x/resource/${BANDEIRAS_RESOURCE_ID}/download/bandeira-tarifaria-acionamento.csv`,
    ]);
    expect(portal.requests[0]?.query).toEqual({ id: TARIFAS_RESOURCE_ID });
    const csv = await readFile(join(dir.path, 'tarifas-homologadas-distribuidoras-energia-eletrica.csv'), 'utf8');
    expect(csv).toContain('Equatorial PI');
  });

  it('gives up with JOBS_FETCH_FAILED after the retries, writing nothing', async () => {
    portal.state.failNext = 100;
    await expect(
      fetchAneel({
        mode: 'csv',
        portalUrl: portal.url,
        dir: dir.path,
        distribuidoras: [],
        pageSize: 10,
        retries: 2,
        retryDelayMs: 5,
      }),
    ).rejects.toMatchObject({ code: 'JOBS_FETCH_FAILED', retriable: true });
    expect(portal.requests).toHaveLength(3);
    expect(await readdir(dir.path)).toEqual([]);
  });

  it('a CKAN error answer is an error, not an empty dataset', async () => {
    await expect(
      fetchAneel({
        mode: 'datastore',
        portalUrl: `${portal.url}/nothing-here`,
        dir: dir.path,
        distribuidoras: [],
        pageSize: 10,
        retries: 0,
      }),
    ).rejects.toMatchObject({ code: 'JOBS_FETCH_FAILED' });
  });
});
