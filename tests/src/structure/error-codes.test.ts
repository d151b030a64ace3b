import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ErrorSpec } from '@ysh/common';
import { REPO_ROOT } from '@ysh/test-helpers';
import { describe, expect, it } from 'vitest';

/**
 * One test over every package's error table (`<NAME>_ERRORS` declared `satisfies ErrorTable`
 * in a package's source): codes unique across the platform, each prefix owned by one package, a
 * description and a retriable flag each, a README row each, and every code thrown in
 * source present in a table. Tables are found, not listed: a new package's table is
 * checked as soon as it exists.
 */

interface FoundTable {
  pkg: string;
  file: string;
  name: string;
  table: Record<string, ErrorSpec>;
}

const workspaces = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;

function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out = out.concat(sourceFiles(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

async function findTables(): Promise<FoundTable[]> {
  const found: FoundTable[] = [];
  for (const pkg of workspaces) {
    for (const file of sourceFiles(join(REPO_ROOT, pkg, 'src'))) {
      if (!readFileSync(file, 'utf8').includes('satisfies ErrorTable')) continue;
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) {
        if (name.endsWith('_ERRORS') && typeof value === 'object' && value !== null)
          found.push({ pkg, file: relative(REPO_ROOT, file), name, table: value as Record<string, ErrorSpec> });
      }
    }
  }
  return found;
}

/** Problems with a set of tables; empty when they follow the rules. */
export function tableProblems(tables: FoundTable[], readmeOf: (pkg: string) => string): string[] {
  const problems: string[] = [];
  const owner = new Map<string, string>();
  const prefixOwner = new Map<string, string>();
  for (const t of tables) {
    for (const prefix of new Set(Object.keys(t.table).map((c) => c.split('_')[0] as string))) {
      const other = prefixOwner.get(prefix);
      if (other !== undefined && other !== t.pkg) problems.push(`prefix ${prefix}_ is used by ${other} and ${t.pkg}`);
      prefixOwner.set(prefix, t.pkg);
    }
    const readme = readmeOf(t.pkg);
    for (const [code, spec] of Object.entries(t.table)) {
      if (!/^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(code)) problems.push(`${code}: not an UPPER_SNAKE code with a prefix`);
      const previous = owner.get(code);
      if (previous) problems.push(`${code} is defined twice: ${previous} and ${t.name}`);
      owner.set(code, t.name);
      if (typeof spec.description !== 'string' || spec.description.length < 10)
        problems.push(`${code}: no description`);
      if (typeof spec.retriable !== 'boolean') problems.push(`${code}: retriable is not a boolean`);
      if (spec.status !== undefined && (spec.status < 400 || spec.status > 599))
        problems.push(`${code}: status ${spec.status} is not an HTTP error status`);
      const row = readme.split('\n').find((line) => line.trim().startsWith('|') && line.includes(`\`${code}\``));
      if (!row) problems.push(`${code}: no row in ${t.pkg}/README.md`);
    }
  }
  return problems;
}

/** Codes given to an error constructor in source (`super('X_Y', …)`, `new SomeError('X_Y', …)`; a ConfigError names a field instead). */
function thrownCodes(): Array<{ code: string; file: string }> {
  const out: Array<{ code: string; file: string }> = [];
  const pattern = /\b(?:super|new (?!ConfigError\b)[A-Z]\w*Error)\(\s*'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g;
  for (const pkg of workspaces) {
    for (const file of sourceFiles(join(REPO_ROOT, pkg, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(pattern))
        out.push({ code: m[1] as string, file: relative(REPO_ROOT, file) });
    }
  }
  return out;
}

const readmeOf = (pkg: string) => {
  try {
    return readFileSync(join(REPO_ROOT, pkg, 'README.md'), 'utf8');
  } catch {
    return '';
  }
};

describe('error tables of every package', () => {
  it('are found in every package that throws coded errors', async () => {
    const tables = await findTables();
    const pkgs = new Set(tables.map((t) => t.pkg));
    for (const pkg of ['common', 'embedded', 'firmware-sim', 'edge-agent', 'gateway', 'stream-processor', 'cli'])
      expect(pkgs, `an error table in ${pkg}`).toContain(pkg);
  });

  it('have unique, prefixed, described codes, each with a row in its package README', async () => {
    expect(tableProblems(await findTables(), readmeOf)).toEqual([]);
  });

  it('hold every code that source code throws', async () => {
    const known = new Set((await findTables()).flatMap((t) => Object.keys(t.table)));
    const unknown = thrownCodes().filter((c) => !known.has(c.code));
    expect(unknown).toEqual([]);
  });

  it('report duplicates, shared prefixes, missing descriptions and undocumented codes', () => {
    const spec = { retriable: false, description: 'a description long enough' };
    const problems = tableProblems(
      [
        { pkg: 'a', file: 'a/src/errors.ts', name: 'A_ERRORS', table: { A_ONE: spec, B_TWO: spec } },
        {
          pkg: 'b',
          file: 'b/src/errors.ts',
          name: 'B_ERRORS',
          table: { A_ONE: { retriable: false, description: '' } },
        },
      ],
      (pkg) => (pkg === 'a' ? '| `A_ONE` | x |\n| `B_TWO` | y |' : ''),
    );
    expect(problems).toEqual([
      'prefix A_ is used by a and b',
      'A_ONE is defined twice: A_ERRORS and B_ERRORS',
      'A_ONE: no description',
      'A_ONE: no row in b/README.md',
    ]);
  });
});
