import { type ChildProcess, execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, hasTool, runProcess, startProcess, tempDir, waitFor } from '@ysh/test-helpers';
import {
  type GuardedContext,
  guardedContext,
  launchChromium,
  screenshot,
  seriousA11yViolations,
} from '@ysh/test-helpers/browser.ts';
import { SHARED_PLATFORM_WAIT_MS, type SharedPlatform, sharedPlatform } from '@ysh/test-helpers/shared-platform.ts';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NasaPowerStandIn, startNasaPowerStandIn } from './nasa-power-stand-in.ts';

/**
 * The web console in Debian's Chromium against the real admin API (`ysh api`, which builds the
 * console when its build is out of date and serves it at /) on the shared running platform:
 * embedded PostgreSQL with the simulator's sites, telemetry and alerts flowing through the
 * gateway and processor. Every screen visited is checked with axe-core and photographed into
 * .tmp/console-screens/ (not committed). The API asks a local NASA POWER stand-in for the
 * sunlight of proposals (the real service is not reachable here).
 */
const PASSWORD = 'console-test-password-1';
const USERS = {
  admin: 'admin@console.test',
  viewer: 'viewer@console.test',
  scoped: 'scoped@console.test',
};

let platform: SharedPlatform;
let api: { child: ChildProcess; output: () => string };
let baseUrl: string;
let browser: Browser;
let env: NodeJS.ProcessEnv;
let nasaPower: NasaPowerStandIn;
const contexts: GuardedContext[] = [];

async function addUser(email: string, role: string, sites?: string) {
  const r = await runProcess(
    ['users', 'add', email, '--role', role, '--password', PASSWORD, ...(sites ? ['--sites', sites] : [])],
    { env },
  );
  expect(r.code, r.stderr).toBe(0);
}

async function logIn(email: string, options: BrowserContextOptions = {}): Promise<Page> {
  const guarded = await guardedContext(browser, options);
  contexts.push(guarded);
  const page = await guarded.context.newPage();
  await page.goto(baseUrl);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha').fill(PASSWORD);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByTestId('who').waitFor();
  return page;
}

/** axe-core on the screen as it is now, then a screenshot for the run's artifacts. */
async function checkScreen(page: Page, name: string) {
  const violations = await seriousA11yViolations(page);
  await screenshot(page, name);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

/** GET through the page's own session (same cookies as the console). */
async function apiGet<T>(page: Page, path: string): Promise<T> {
  const res = await page.request.get(`${baseUrl}${path}`);
  expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
  return (await res.json()) as T;
}

/** POST through the page's own session, with the CSRF header the console sends. */
async function apiPost<T>(page: Page, path: string, body: unknown): Promise<T> {
  const csrf = (await page.context().cookies(baseUrl)).find((c) => c.name === 'ysh_csrf')?.value;
  const res = await page.request.post(`${baseUrl}${path}`, {
    data: body,
    headers: csrf ? { 'x-csrf-token': csrf } : {},
  });
  expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300);
  return (await res.json()) as T;
}

/** A number as the console shows it in pt-BR (`Formatter.number`). */
const ptNumber = (value: number, digits: number) =>
  new Intl.NumberFormat('pt-BR', { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value);

// Without Chromium the whole file skips (announced with the run's other SKIP lines: test-helpers TOOLS).
describe.skipIf(!hasTool('chromium'))('web console (Chromium)', () => {
  beforeAll(async () => {
    platform = await sharedPlatform();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    nasaPower = await startNasaPowerStandIn();
    env = {
      YSH_DATABASE_URL: platform.databaseUrl,
      YSH_API_PORT: String(port),
      YSH_API_RATE_LIMIT: '100000',
      YSH_PROPOSTAS_NASA_POWER_URL: nasaPower.url,
    };
    await addUser(USERS.admin, 'admin');
    await addUser(USERS.viewer, 'viewer');
    api = await startProcess(['api', '--port', String(port)], /admin API listening/, { env, timeoutMs: 180_000 });
    browser = await launchChromium();
  }, SHARED_PLATFORM_WAIT_MS + 300_000);

  afterAll(async () => {
    for (const c of contexts) await c.context.close().catch(() => undefined);
    await browser?.close();
    api?.child.kill('SIGTERM');
    await nasaPower?.close();
  });

  describe('web console in Chromium against the real API', () => {
    it('login screen: pt-BR by default, switchable to English, accessible', async () => {
      const guarded = await guardedContext(browser);
      contexts.push(guarded);
      const page = await guarded.context.newPage();
      await page.goto(baseUrl);
      // isVisible() does not wait: the first render of the app may still be under way on a busy machine.
      await page.getByRole('heading', { name: 'Entrar' }).waitFor({ state: 'visible', timeout: 30_000 });
      await checkScreen(page, 'login');
      await page.getByLabel('Idioma').selectOption('en');
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      // wrong password: said in words, no blank page
      await page.getByLabel('Email').fill(USERS.admin);
      await page.getByLabel('Password').fill('wrong-password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByText('Wrong email or password.').waitFor();
      expect(guarded.external).toEqual([]);
    }, 120_000);

    it('logs in and the fleet shows the simulated sites, worst first, with search', async () => {
      const page = await logIn(USERS.admin);
      const fleet = await waitFor(
        'fleet rows from the pipeline',
        async () => {
          const f = await apiGet<{ items: Array<{ site: string; name: string }> }>(page, '/v1/fleet?limit=500');
          return f.items.length >= 3 ? f.items : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      await page.reload();
      await page
        .getByTestId('fleet-count')
        .filter({ hasText: `${fleet.length} usinas` })
        .waitFor();
      const shown = await page.locator('[role="row"] a').evaluateAll((as) => as.map((a) => a.getAttribute('title')));
      expect(shown).toEqual(fleet.map((r) => r.site));
      await checkScreen(page, 'fleet');
      const first = fleet[0] as { site: string; name: string };
      await page.getByLabel('Buscar usina').fill(first.site);
      await page
        .getByTestId('fleet-count')
        .filter({ hasText: /^1 usinas$/ })
        .waitFor();
    });

    it('opens a site and an inverter and sees chart data', async () => {
      const page = await logIn(USERS.admin);
      const fleet = await apiGet<{ items: Array<{ site: string }> }>(page, '/v1/fleet?limit=500');
      const site = (fleet.items[0] as { site: string }).site;
      await page.locator(`a[href="/sites/${site}"]`).click();
      await waitFor(
        'site chart data',
        async () => {
          const charts = page.getByTestId('site-charts');
          if (await charts.isVisible()) return Number(await charts.getAttribute('data-points')) > 0 || undefined;
          await page.reload();
          return undefined;
        },
        { timeoutMs: 90_000, intervalMs: 3000 },
      );
      expect(await page.locator('.uplot').count()).toBeGreaterThanOrEqual(2);
      await checkScreen(page, 'site');
      const deviceLink = page.locator(`a[href^="/sites/${site}/devices/"]`).first();
      await deviceLink.click();
      await waitFor(
        'inverter chart data',
        async () => {
          const charts = page.getByTestId('inverter-charts');
          if (await charts.isVisible()) return Number(await charts.getAttribute('data-points')) > 0 || undefined;
          await page.reload();
          return undefined;
        },
        { timeoutMs: 90_000, intervalMs: 3000 },
      );
      await page.getByRole('heading', { name: 'Identidade SunSpec' }).waitFor();
      await checkScreen(page, 'inverter');
    }, 240_000);
  });

  describe('alerts, roles and the batch side in Chromium', () => {
    const FAULTY = 'inv-0006';
    let simControl: string;

    beforeAll(() => {
      const url = platform.urls.sim?.find((u) => /^http:\/\/[^/]+$/.test(u));
      if (!url) throw new Error(`no simulator control URL in ${JSON.stringify(platform.urls.sim)}`);
      simControl = url;
    });

    afterAll(async () => {
      await fetch(`${simControl}/devices/${FAULTY}/faults/all`, { method: 'DELETE' }).catch(() => undefined);
    });

    it('an alert from a simulator fault appears live, is acknowledged in the page and the API sees it', async () => {
      const page = await logIn(USERS.admin);
      await page.goto(`${baseUrl}/alerts`);
      await page.locator('[data-testid="live"][data-connected="true"]').waitFor({ timeout: 30_000 });
      // Alerts of the device before the fault: the one to act on is new (others may resolve meanwhile,
      // so no row count is compared).
      const before = (
        await apiGet<{ items: Array<{ id: string }> }>(page, `/v1/alerts?device=${FAULTY}&limit=500`)
      ).items.map((a) => a.id);
      const res = await fetch(`${simControl}/devices/${FAULTY}/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'grid-fault', kind: 'disconnect' }),
      });
      expect(res.status, await res.text()).toBeLessThan(300);
      // no reload: the row arrives through /v1/events
      const rows = page.locator(`tr[data-alert-id][data-state="open"]`, { hasText: FAULTY });
      const id = await waitFor(
        'a new open alert of the faulty inverter in the page',
        async () => {
          const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-alert-id')));
          return ids.find((i): i is string => !!i && !before.includes(i));
        },
        { timeoutMs: 150_000, intervalMs: 500 },
      );
      const row = page.locator(`tr[data-alert-id="${id}"]`);
      await page.getByTestId('live-count').waitFor();
      await checkScreen(page, 'alerts');
      await row.getByRole('button', { name: 'Reconhecer' }).click();
      const acked = await waitFor(
        'the acknowledgement in the API',
        async () => {
          const a = await apiGet<{ state: string; acknowledgedBy: string | null }>(page, `/v1/alerts/${id}`);
          return a.state === 'acknowledged' ? a : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 500 },
      );
      expect(acked.acknowledgedBy).toContain(USERS.admin);
    }, 240_000);

    it('assets: the lineage graph with status colours and the reason on click; materialize offered to an admin', async () => {
      const page = await logIn(USERS.admin);
      const lineage = await apiGet<{
        nodes: Array<{ key: string; status: string }>;
        edges: Array<{ from: string; to: string }>;
      }>(page, '/v1/jobs/lineage');
      // edges join asset keys, not the steps' `asset@partition` names
      expect(lineage.edges.length).toBeGreaterThan(0);
      for (const e of lineage.edges) expect(`${e.from} ${e.to}`).toMatch(/^[a-z0-9_]+ [a-z0-9_]+$/);
      await page.goto(`${baseUrl}/assets`);
      await page.getByTestId('lineage').waitFor();
      const keys = await page
        .locator('[data-asset]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-asset')));
      expect(keys.sort()).toEqual(lineage.nodes.map((n) => n.key).sort());
      const first = lineage.nodes[0] as { key: string; status: string };
      const node = page.locator(`[data-asset="${first.key}"]`);
      expect(await node.getAttribute('class')).toContain(`asset-${first.status}`);
      await node.click();
      await page.getByTestId('asset-panel').waitFor();
      await page.getByRole('button', { name: `Materializar ${first.key}` }).waitFor();
      await checkScreen(page, 'assets');
    }, 180_000);

    it('a viewer sees no mutating buttons; a user scoped to one site sees only that site', async () => {
      const admin = await logIn(USERS.admin);
      const fleet = await apiGet<{ items: Array<{ site: string }> }>(admin, '/v1/fleet?limit=500');
      const site = (fleet.items[fleet.items.length - 1] as { site: string }).site;
      await addUser(USERS.scoped, 'operator', site).catch(() => undefined);

      const viewer = await logIn(USERS.viewer);
      await viewer.goto(`${baseUrl}/alerts`);
      await viewer.getByRole('heading', { name: 'Alertas' }).waitFor();
      await viewer.getByRole('heading', { name: 'Silenciamentos' }).waitFor();
      for (const name of ['Reconhecer', 'Resolver', 'Comentar', 'Silenciar'])
        expect(await viewer.getByRole('button', { name }).count(), name).toBe(0);
      expect(await viewer.getByRole('checkbox').count()).toBe(0);
      await viewer.goto(`${baseUrl}/assets`);
      await viewer.locator('[data-asset]').first().click();
      await viewer.getByTestId('asset-panel').waitFor();
      expect(await viewer.getByRole('button', { name: /^Materializar/ }).count()).toBe(0);

      const scoped = await logIn(USERS.scoped);
      await scoped
        .getByTestId('fleet-count')
        .filter({ hasText: /^1 usinas$/ })
        .waitFor();
      const shown = await scoped.locator('[role="row"] a').evaluateAll((as) => as.map((a) => a.getAttribute('title')));
      expect(shown).toEqual([site]);
      // another site's page: the API's refusal in words, not a blank page
      const other = fleet.items.find((r) => r.site !== site)?.site as string;
      await scoped.goto(`${baseUrl}/sites/${other}`);
      await scoped.locator('[role="alert"][data-error-code]').first().waitFor();
    }, 240_000);

    it('every other screen renders, in words when its API route is missing, and passes axe', async () => {
      const page = await logIn(USERS.admin);
      for (const [path, name, heading] of [
        ['/proposals', 'proposals', 'Propostas'],
        ['/search?q=inversor', 'search', 'Busca'],
        ['/agents', 'agents', 'Agentes de borda'],
      ] as const) {
        await page.goto(`${baseUrl}${path}`);
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        await page.waitForLoadState('networkidle');
        const body = ((await page.locator('main').textContent()) ?? '').trim();
        expect(body.length, name).toBeGreaterThan(heading.length);
        await checkScreen(page, name);
      }
      // English labels through the whole shell
      await page.getByLabel('Idioma').selectOption('en');
      await page.getByRole('link', { name: 'Fleet' }).waitFor();
    }, 180_000);
  });

  interface RunAnswer {
    run: { id: string; status: string; finishedAt: string | null };
    steps: Array<{ assetKey: string; partitionKey: string; status: string }>;
    logs: Array<{ message: string }>;
  }

  interface CompareAnswer {
    config: unknown[];
    assets: Array<{
      asset: string;
      partition: string;
      a: { status: string; dataVersion: string | null; rowCount: number | null } | null;
      b: { status: string; dataVersion: string | null; rowCount: number | null } | null;
      changed: string[];
      rowCountDelta: number | null;
    }>;
  }

  /** Runs of the batch side that need no network: the KPIs over the stored proposals, and what depends on it. */
  const CHEAP_ASSET = 'kpis_b1_b3';
  const CHEAP_CHAIN = 'propostas_enriched';

  describe('batch runs in Chromium: materialize and watch, compare two runs', () => {
    it('materializes an asset from the assets screen and the run page shows it finish, with the steps and logs the API has', async () => {
      const page = await logIn(USERS.admin);
      const lineage = await apiGet<{ nodes: Array<{ key: string }> }>(page, '/v1/jobs/lineage');
      expect(lineage.nodes.map((n) => n.key)).toContain(CHEAP_ASSET);
      await page.goto(`${baseUrl}/assets`);
      await page.locator(`[data-asset="${CHEAP_ASSET}"]`).click();
      await page.getByTestId('asset-panel').waitFor();
      await page.getByRole('button', { name: `Materializar ${CHEAP_ASSET}` }).click();
      await page.waitForURL(/\/assets\/runs\/[^/?]+$/);
      const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() as string);
      await page.getByRole('heading', { name: `Execução ${runId}` }).waitFor();
      // no reload: the page follows the run (live events, polling while it is under way)
      const summary = page.locator('[data-testid="run-summary"][data-finished="true"]');
      await summary.waitFor({ timeout: 180_000 });
      expect(await summary.getAttribute('data-status')).toBe('succeeded');
      await summary.locator('.badge', { hasText: 'succeeded' }).waitFor();

      const run = await apiGet<RunAnswer>(page, `/v1/jobs/runs/${encodeURIComponent(runId)}`);
      expect(run.run).toMatchObject({ id: runId, status: 'succeeded' });
      expect(run.steps.map((s) => s.assetKey)).toContain(CHEAP_ASSET);
      const steps = page.locator('[data-testid="run-steps"] tbody tr');
      await steps.first().waitFor();
      expect(await steps.count()).toBe(run.steps.length);
      const shown = await steps.evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute('data-asset'), tr.getAttribute('data-status')]),
      );
      expect(shown).toEqual(run.steps.map((s) => [s.assetKey, s.status]));
      expect(run.logs.length).toBeGreaterThan(0);
      const logs = (await page.getByTestId('run-logs').textContent()) ?? '';
      for (const l of run.logs) expect(logs).toContain(l.message);
      await checkScreen(page, 'run-detail');
    }, 300_000);

    it('two finished runs of the same assets, picked in the run history, compare as the API compares them', async () => {
      const page = await logIn(USERS.admin);
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const { runId } = await apiPost<{ runId: string }>(page, '/v1/jobs/materialize', {
          assets: [CHEAP_CHAIN],
          downstream: true,
        });
        ids.push(runId);
      }
      for (const id of ids)
        await waitFor(
          `run ${id} to finish`,
          async () => {
            const r = await apiGet<RunAnswer>(page, `/v1/jobs/runs/${encodeURIComponent(id)}`);
            return r.run.finishedAt ? r : undefined;
          },
          { timeoutMs: 240_000, intervalMs: 1000 },
        );
      const [a, b] = ids as [string, string];
      const compared = await apiGet<CompareAnswer>(page, `/v1/jobs/compare?a=${a}&b=${b}`);
      expect(compared.assets.length).toBeGreaterThan(1);

      await page.goto(`${baseUrl}/assets?asset=${CHEAP_CHAIN}`);
      for (const id of [a, b]) {
        const pick = page.getByRole('checkbox', { name: `Selecionar execução ${id}` });
        await pick.check();
      }
      await page.getByRole('link', { name: 'Comparar selecionadas' }).click();
      await page.waitForURL(/\/assets\/compare\?/);
      const query = new URL(page.url()).searchParams;
      expect([query.get('a'), query.get('b')]).toEqual([a, b]);
      const table = page.getByTestId('compare-table');
      await table.waitFor();
      const rows = table.locator('tbody tr');
      expect(await rows.count()).toBe(compared.assets.length);
      const count = (n: number | null | undefined) => (n === null || n === undefined ? '—' : ptNumber(n, 0));
      for (const [i, r] of compared.assets.entries()) {
        const cells = (await rows.nth(i).locator('td').allTextContents()).map((c) => c.trim());
        expect(cells, r.asset).toEqual([
          r.asset,
          r.partition || '—',
          r.a?.status ?? '—',
          r.b?.status ?? '—',
          r.a?.dataVersion ?? '—',
          r.b?.dataVersion ?? '—',
          count(r.a?.rowCount),
          count(r.b?.rowCount),
          count(r.rowCountDelta),
          r.changed.length ? r.changed.join(', ') : '—',
        ]);
      }
      if (compared.config.length === 0) await page.getByText('A mesma nas duas execuções.').waitFor();
      await checkScreen(page, 'run-compare');
    }, 400_000);
  });

  describe('proposals in Chromium: the form, the figures, the PDF', () => {
    const CUSTOMER = 'Joana Araújo';
    const MONTHS = '520 510 495 470 430 400 390 410 440 480 500 530';

    it('a refused quote marks each bad field with the API words; a valid B1 quote becomes a proposal with the API figures and a PDF', async () => {
      const page = await logIn(USERS.admin);
      await page.goto(`${baseUrl}/proposals`);
      const form = page.locator('form.quote');
      await form.getByRole('heading', { name: 'Nova proposta' }).waitFor();
      const fill = async (values: Record<string, string>) => {
        for (const [label, value] of Object.entries(values)) await form.getByLabel(label, { exact: true }).fill(value);
      };
      await fill({
        Cliente: CUSTOMER,
        Distribuidora: 'CEMIG-D',
        UF: 'M',
        'Consumo (kWh/mês: média ou os 12 meses)': MONTHS,
        Latitude: '99',
        Longitude: '-43,94',
        'Inclinação do telhado (°)': '20',
        'Azimute do telhado (°, 0 = norte)': '0',
        'Área do telhado (m²)': '',
        'Preço (R$/Wp)': '3,1',
      });
      await form.getByLabel('Ligação').selectOption('bi');
      const submit = form.getByRole('button', { name: 'Calcular proposta' });
      await submit.click();
      await page.getByTestId('quote-invalid').waitFor({ timeout: 60_000 });
      const marked = await form
        .locator('[data-field-error]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-field-error')));
      expect(marked.sort()).toEqual(['latitude', 'roofAreaM2', 'uf']);
      for (const [label, path] of [
        ['UF', 'uf'],
        ['Latitude', 'latitude'],
        ['Área do telhado (m²)', 'roofAreaM2'],
      ] as const) {
        const input = form.getByLabel(label, { exact: true });
        expect(await input.getAttribute('aria-invalid'), label).toBe('true');
        const described = page.locator(`#${await input.getAttribute('aria-describedby')}`);
        expect(await described.getAttribute('data-field-error')).toBe(path);
        expect(((await described.textContent()) ?? '').trim().length, label).toBeGreaterThan(0);
      }
      for (const label of ['Cliente', 'Distribuidora', 'Longitude', 'Preço (R$/Wp)'])
        expect(await form.getByLabel(label, { exact: true }).getAttribute('aria-invalid'), label).toBeNull();
      await page.getByTestId('quote-invalid').filter({ hasText: 'Campos a corrigir: 3.' }).waitFor();
      expect(page.url()).toBe(`${baseUrl}/proposals`);
      await checkScreen(page, 'proposal-invalid');

      await fill({ UF: 'MG', Latitude: '-19,92', 'Área do telhado (m²)': '45' });
      const asked = nasaPower.points.length;
      await submit.click();
      await page.waitForURL(/\/proposals\/[^/]+$/, { timeout: 120_000 });
      const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() as string);
      const figures = page.getByTestId('proposal-figures');
      await figures.waitFor();
      await page.getByRole('heading', { level: 1, name: CUSTOMER }).waitFor();

      const p = await apiGet<{
        quote: Record<string, unknown>;
        sizing: { dcKwp: number };
        kpis: { irr: number | null; paybackYears: number | null };
        irradiance: { source: string };
      }>(page, `/v1/proposals/${encodeURIComponent(id)}`);
      // what the form sent, as the batch side stored it
      expect(p.quote).toMatchObject({
        customer: { name: CUSTOMER, class: 'B1' },
        distribuidora: 'CEMIG-D',
        uf: 'MG',
        connection: 'bi',
        consumption: { monthlyKwh: MONTHS.split(' ').map(Number) },
        location: { lat: -19.92, lon: -43.94 },
        roof: { tiltDeg: 20, azimuthDeg: 0, areaM2: 45 },
        price: { brlPerWp: 3.1 },
        irradiance: { source: 'nasa-power' },
      });
      expect(p.irradiance.source).toContain('NASA POWER');
      expect(nasaPower.points.slice(asked)).toContainEqual({ latitude: '-19.9200', longitude: '-43.9400' });
      expect(p.kpis.irr).not.toBeNull();
      expect(p.kpis.paybackYears).not.toBeNull();
      const figure = async (name: string) =>
        ((await figures.locator(`[data-figure="${name}"]`).textContent()) ?? '').trim();
      expect(await figure('kwp')).toBe(ptNumber(p.sizing.dcKwp, 2));
      expect(await figure('payback')).toBe(ptNumber(p.kpis.paybackYears as number, 1));
      expect(await figure('irr')).toBe(`${ptNumber((p.kpis.irr as number) * 100, 1)} %`);
      await checkScreen(page, 'proposal');

      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 60_000 }),
        figures.getByRole('button', { name: 'Baixar PDF' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`proposta-${id}.pdf`);
      const dir = await tempDir('console-pdf-');
      try {
        const file = join(dir.path, download.suggestedFilename());
        await download.saveAs(file);
        expect((await readFile(file)).subarray(0, 4).toString('latin1')).toBe('%PDF');
        const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
        expect(text).toContain(CUSTOMER);
        const kwp = p.sizing.dcKwp.toLocaleString('pt-BR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
        expect(text).toContain(`${kwp} kWp`);
      } finally {
        await dir.remove();
      }
    }, 300_000);
  });

  describe('phone width (390 × 844) in Chromium', () => {
    const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

    /** The page itself never scrolls sideways; wide content scrolls inside its own box. */
    async function expectNoPageOverflow(page: Page, name: string) {
      const size = (await page.evaluate(
        '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
      )) as { scrollWidth: number; innerWidth: number };
      expect(size.scrollWidth, `${name}: ${JSON.stringify(size)}`).toBeLessThanOrEqual(size.innerWidth);
    }

    /** The element is wider inside than its box, the box scrolls sideways, and scrolling it moves it. */
    async function expectScrollsInside(page: Page, selector: string) {
      const box = (await page.evaluate(`(() => {
      const el = document.querySelector(${JSON.stringify(selector)});
      if (!el) return null;
      const overflowX = getComputedStyle(el).overflowX;
      el.scrollLeft = 80;
      const moved = el.scrollLeft;
      el.scrollLeft = 0;
      return { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, overflowX, moved };
    })()`)) as { scrollWidth: number; clientWidth: number; overflowX: string; moved: number } | null;
      expect(box, selector).not.toBeNull();
      const b = box as NonNullable<typeof box>;
      expect(['auto', 'scroll'], `${selector}: ${JSON.stringify(b)}`).toContain(b.overflowX);
      expect(b.scrollWidth, `${selector}: ${JSON.stringify(b)}`).toBeGreaterThan(b.clientWidth);
      expect(b.moved, `${selector}: ${JSON.stringify(b)}`).toBeGreaterThan(0);
    }

    it('fleet, alerts and a site fit the width, the menu is reachable, tables scroll in their box, axe passes', async () => {
      const page = await logIn(USERS.admin, PHONE);
      await page
        .getByTestId('fleet-count')
        .filter({ hasText: /^[1-9]\d* usinas$/ })
        .waitFor({ timeout: 60_000 });
      // every menu entry is on screen and can be tapped
      const menu = page.getByRole('navigation', { name: 'Menu' });
      const links = menu.getByRole('link');
      expect(await links.count()).toBe(6);
      for (const link of await links.all()) {
        const box = await link.boundingBox();
        const where = `${await link.textContent()} ${JSON.stringify(box)}`;
        expect(box, where).not.toBeNull();
        const b = box as NonNullable<typeof box>;
        expect(b.x, where).toBeGreaterThanOrEqual(0);
        expect(b.x + b.width, where).toBeLessThanOrEqual(390);
        expect(b.y, where).toBeGreaterThanOrEqual(0);
      }
      await expectNoPageOverflow(page, 'fleet');
      await expectScrollsInside(page, '.vtable');
      await checkScreen(page, 'phone-fleet');

      await menu.getByRole('link', { name: 'Alertas' }).tap();
      await page.waitForURL(`${baseUrl}/alerts`);
      await page.getByRole('heading', { name: 'Alertas', exact: true }).waitFor();
      // every state, so the table has rows whatever is open right now
      await page.getByRole('combobox', { name: /^Estado/ }).selectOption('');
      await page.getByTestId('alerts-table').waitFor({ timeout: 60_000 });
      await expectNoPageOverflow(page, 'alerts');
      await expectScrollsInside(page, 'main .scroll-x:has([data-testid="alerts-table"])');
      await checkScreen(page, 'phone-alerts');

      const fleet = await apiGet<{ items: Array<{ site: string }> }>(page, '/v1/fleet?limit=500');
      const site = (fleet.items[0] as { site: string }).site;
      await menu.getByRole('link', { name: 'Frota' }).tap();
      await page.locator(`a[href="/sites/${site}"]`).tap();
      await page.waitForURL(`${baseUrl}/sites/${site}`);
      await waitFor(
        'site chart data',
        async () => {
          if (await page.getByTestId('site-charts').isVisible()) return true;
          await page.reload();
          return undefined;
        },
        { timeoutMs: 90_000, intervalMs: 3000 },
      );
      await page.locator('.uplot').first().waitFor();
      await expectNoPageOverflow(page, 'site');
      await checkScreen(page, 'phone-site');
    }, 240_000);
  });
});
