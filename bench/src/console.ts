import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fastifyStatic from '@fastify/static';
import { ensureConsoleBuild } from '@ysh/console/build';
import { guardedContext, launchChromium } from '@ysh/test-helpers/browser.ts';
import Fastify from 'fastify';
import type { Benchmark, BenchRow } from './types.ts';

/**
 * The web console's front-end figures: the gzip size of the JavaScript it ships, first load to
 * interactive (the fleet table's first row) on localhost, and scrolling a 5,000-site fleet with
 * Chromium's long-task observer watching. The built console is served the way `ysh api` serves
 * it (@fastify/static over dist/); the /v1 answers (/v1/me and a 5,000-row /v1/fleet) are
 * generated here, because what is measured is the browser's work, not the API's queries.
 */
const SITES = 5000;
const LOADS = 5;

function fleetRows(n: number) {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    site: `site-${String(i).padStart(5, '0')}`,
    name: `Usina ${i} — ${['São Paulo', 'Campinas', 'Belo Horizonte', 'Recife', 'Fortaleza'][i % 5]}`,
    powerW: 1000 + ((i * 7919) % 90_000),
    energyTodayKwh: (i * 31) % 400,
    availability: i % 17 === 0 ? 0.62 : 0.99,
    openAlerts: { critical: i % 97 === 0 ? 1 : 0, warning: i % 13 === 0 ? 2 : 0, info: i % 7 === 0 ? 1 : 0 },
    lastData: new Date(now - (i % 30) * 60_000).toISOString(),
  }));
}

async function jsSizes(dir: string) {
  const assets = join(dir, 'assets');
  const files = (await readdir(assets)).filter((f) => f.endsWith('.js'));
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  let total = 0;
  let initial = 0;
  for (const f of files) {
    const gz = gzipSync(await readFile(join(assets, f)), { level: 9 }).length;
    total += gz;
    if (html.includes(f)) initial += gz;
  }
  return { total, initial, files: files.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export const consoleBenchmark: Benchmark = {
  group: 'console',
  description: 'web console: gzip JS size, first load to interactive, 5,000-site fleet scroll (Chromium)',
  async run(): Promise<BenchRow[]> {
    const build = await ensureConsoleBuild();
    const sizes = await jsSizes(build.dir);
    const rows = fleetRows(SITES);
    const app = Fastify();
    app.get('/v1/me', async () => ({ id: 'u1', email: 'bench@ysh.test', role: 'admin', sites: null }));
    app.get('/v1/fleet', async () => ({ items: rows, nextCursor: null }));
    await app.register(fastifyStatic, { root: build.dir, prefix: '/', wildcard: false });
    const port = (await app.listen({ port: 0, host: '127.0.0.1' })).split(':').pop();
    const url = `http://127.0.0.1:${port}/`;
    const browser = await launchChromium();
    const loads: number[] = [];
    let scroll = { longTasks: 0, maxLongTaskMs: 0, over50: 0, frames: 0 };
    let external: string[] = [];
    try {
      for (let i = 0; i < LOADS; i++) {
        const guarded = await guardedContext(browser);
        const page = await guarded.context.newPage();
        await page.goto(url);
        await page.locator('[role="row"] a').first().waitFor();
        loads.push((await page.evaluate('performance.now()')) as number);
        external = external.concat(guarded.external);
        if (i === LOADS - 1) {
          await page
            .getByTestId('fleet-count')
            .filter({ hasText: String(SITES) })
            .waitFor();
          scroll = (await page.evaluate(`(async () => {
            const box = document.querySelector('[data-testid="vtable-scroll"]');
            const tasks = [];
            const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push(e.duration); });
            obs.observe({ type: 'longtask' });
            let frames = 0;
            const steps = 200;
            for (let s = 1; s <= steps; s++) {
              box.scrollTop = (box.scrollHeight - box.clientHeight) * s / steps;
              await new Promise((r) => requestAnimationFrame(() => r()));
              frames++;
            }
            await new Promise((r) => setTimeout(r, 200));
            obs.disconnect();
            return { longTasks: tasks.length, maxLongTaskMs: Math.max(0, ...tasks), over50: tasks.filter((d) => d > 50).length, frames };
          })()`)) as typeof scroll;
          const lastRow = await page.locator('[role="row"]').last().getAttribute('aria-rowindex');
          if (Number(lastRow) !== SITES + 1) throw new Error(`scrolled to row ${lastRow}, not the last one`);
        }
        await guarded.context.close();
      }
    } finally {
      await browser.close();
      await app.close();
    }
    if (external.length > 0) throw new Error(`the console requested outside the machine: ${external.join(', ')}`);
    const load = median(loads);
    return [
      {
        group: 'console',
        name: 'JavaScript shipped, gzip (all chunks)',
        value: sizes.total / 1024,
        unit: 'KiB',
        target: '< 300 KB',
        met: sizes.total < 300 * 1000,
        notes: `${sizes.files} chunks; first screen loads ${(sizes.initial / 1024).toFixed(1)} KiB of it`,
      },
      {
        group: 'console',
        name: `first load to interactive (fleet of ${SITES} sites shown), median of ${LOADS} cold loads`,
        value: load,
        unit: 'ms',
        target: '< 1 s',
        met: load < 1000,
        notes: `min ${Math.min(...loads).toFixed(0)} ms, max ${Math.max(...loads).toFixed(0)} ms`,
      },
      {
        group: 'console',
        name: `fleet of ${SITES} sites scrolled top to bottom in ${scroll.frames} frames: longest task`,
        value: scroll.maxLongTaskMs,
        unit: 'ms',
        target: 'no long task > 50 ms',
        met: scroll.over50 === 0,
        notes: `${scroll.longTasks} long tasks (> 50 ms by definition: ${scroll.over50})`,
      },
    ];
  },
};
