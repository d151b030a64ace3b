import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConsoleError } from './errors.ts';

/**
 * Builds the console when its build is missing or out of date, so `npm install && npm start` is
 * all the set-up there is. "Out of date" is decided by a content hash of everything the build
 * reads from this package (sources, index.html, Vite config, package.json) stored next to the
 * build: hashing ~60 small files takes milliseconds, a rebuild about two seconds. A build is
 * written to a temporary folder and renamed into place, so a process starting meanwhile never
 * serves half a build.
 */
export const CONSOLE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONSOLE_DIST = join(CONSOLE_ROOT, 'dist');
const HASH_FILE = '.build-hash';
const INPUTS = ['index.html', 'vite.config.ts', 'package.json'];

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (!entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Hash of the build's inputs, relative paths included (a renamed file changes it). */
export async function sourceHash(root = CONSOLE_ROOT): Promise<string> {
  const files = [...INPUTS.map((f) => join(root, f)), ...(await filesUnder(join(root, 'src')))].sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(root, file));
    hash.update('\0');
    hash.update(await readFile(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export interface EnsureBuildOptions {
  /** rebuild even when the hash matches */
  force?: boolean;
  log?: (message: string) => void;
}

export interface ConsoleBuild {
  dir: string;
  hash: string;
  /** false when the existing build was up to date */
  built: boolean;
}

export async function ensureConsoleBuild(opts: EnsureBuildOptions = {}): Promise<ConsoleBuild> {
  const hash = await sourceHash();
  const current = await readFile(join(CONSOLE_DIST, HASH_FILE), 'utf8').catch(() => null);
  if (!opts.force && current === hash && existsSync(join(CONSOLE_DIST, 'index.html')))
    return { dir: CONSOLE_DIST, hash, built: false };

  opts.log?.(current ? 'console sources changed: rebuilding the console' : 'building the console (first start)');
  const tmp = join(CONSOLE_ROOT, `.dist-tmp-${process.pid}-${Date.now()}`);
  try {
    const { build } = await import('vite');
    await build({
      configFile: join(CONSOLE_ROOT, 'vite.config.ts'),
      root: CONSOLE_ROOT,
      logLevel: 'warn',
      build: { outDir: tmp, emptyOutDir: true },
    });
    await writeFile(join(tmp, HASH_FILE), hash);
  } catch (cause) {
    await rm(tmp, { recursive: true, force: true });
    throw new ConsoleError('CONSOLE_BUILD_FAILED', `console build failed: ${(cause as Error).message}`, { cause });
  }
  const old = `${CONSOLE_DIST}.old-${process.pid}-${Date.now()}`;
  await rename(CONSOLE_DIST, old).catch(() => undefined);
  try {
    await rename(tmp, CONSOLE_DIST);
  } catch {
    // another process put its build in place first: theirs is from the same sources
    await rm(tmp, { recursive: true, force: true });
  }
  await rm(old, { recursive: true, force: true });
  return { dir: CONSOLE_DIST, hash, built: true };
}
