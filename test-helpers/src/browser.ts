import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from './ysh-process.ts';

/**
 * Debian's Chromium driven by playwright-core (no browser download), headless, for the web
 * console's tests and benchmark. Every context records requests that would leave the machine
 * (anything not on 127.0.0.1/localhost, or a data:/blob: URL) and aborts them, so a test can
 * assert the console needs nothing from the internet.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
/** Screenshots of test runs: gitignored (.tmp/), kept as artifacts. */
export const SCREENSHOT_DIR = join(REPO_ROOT, '.tmp', 'console-screens');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface GuardedContext {
  context: BrowserContext;
  /** URLs the pages tried to fetch outside the machine */
  external: string[];
}

export async function guardedContext(
  browser: Browser,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<GuardedContext> {
  const context = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1280, height: 860 }, ...options });
  const external: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (local || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    external.push(url.href);
    return route.abort('blockedbyclient');
  });
  return { context, external };
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Runs axe-core (WCAG 2 A/AA rules) in the page; returns the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await import('node:fs/promises').then((fs) =>
    fs.readFile(require.resolve('axe-core/axe.min.js'), 'utf8'),
  );
  // evaluated through the DevTools protocol: the API's Content-Security-Policy (script-src 'self') stays on
  await page.evaluate(axeSource as string);
  // Runs in the page (a string, so this Node project needs no DOM types).
  const result = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })",
  )) as { violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }> };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

export async function screenshot(page: Page, name: string, dir = SCREENSHOT_DIR): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
