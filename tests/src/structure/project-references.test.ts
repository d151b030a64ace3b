import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@ysh/test-helpers';

/** Packages that are test code as a whole: one project, no separate test project. */
const TEST_PACKAGES = new Set(['test-helpers', 'tests', 'bench']);
const WORKSPACES = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;

interface TsConfig {
  extends?: string;
  include?: string[];
  references?: Array<{ path: string }>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as T;
const isTestFile = (path: string) => path.endsWith('.test.ts') || path.includes('/src/testing/');
const packageOf = (path: string) => {
  const folder = path.split('/')[0] as string;
  return WORKSPACES.includes(folder) ? folder : undefined;
};

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
}

/** Workspace packages referenced by a tsconfig, as folder names ("." for the package's own production project). */
function referenced(config: TsConfig): string[] {
  return (config.references ?? [])
    .map((r) => (r.path === './tsconfig.json' ? '.' : r.path.replace(/^\.\.\//, '')))
    .sort();
}

describe('TypeScript project references (npm run build = tsc -b)', () => {
  /** package folder → workspace packages its production / test code imports (from dependency-cruiser). */
  const imports = new Map<string, { production: Set<string>; test: Set<string> }>();

  beforeAll(() => {
    const run = spawnSync(
      join(REPO_ROOT, 'node_modules', '.bin', 'depcruise'),
      ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', '.'],
      { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
    const result = JSON.parse(run.stdout) as {
      modules: Array<{ source: string; dependencies: Array<{ resolved: string }> }>;
    };
    for (const w of WORKSPACES) imports.set(w, { production: new Set(), test: new Set() });
    for (const m of result.modules) {
      const from = packageOf(m.source);
      if (!from) continue;
      for (const d of m.dependencies) {
        const to = packageOf(d.resolved);
        if (!to || to === from) continue;
        const entry = imports.get(from) as { production: Set<string>; test: Set<string> };
        (isTestFile(m.source) || TEST_PACKAGES.has(from) ? entry.test : entry.production).add(to);
      }
    }
  }, 120_000);

  it('every workspace package has a tsconfig.json on the shared composite settings', () => {
    for (const w of WORKSPACES) {
      const config = readJson<TsConfig>(`${w}/tsconfig.json`);
      expect(config.extends, w).toBe('../tsconfig.package.json');
    }
    const shared = readJson<{ extends: string; compilerOptions: Record<string, unknown> }>('tsconfig.package.json');
    expect(shared.extends).toBe('./tsconfig.base.json');
    expect(shared.compilerOptions).toMatchObject({ composite: true, emitDeclarationOnly: true });
  });

  it('the root builds every package that has sources, with its test project when it has tests', () => {
    const root = readJson<TsConfig>('tsconfig.json');
    const expected: string[] = [];
    for (const w of WORKSPACES) {
      const files = sourceFiles(join(REPO_ROOT, w, 'src'));
      if (files.length === 0) continue;
      expected.push(`./${w}`);
      if (!TEST_PACKAGES.has(w) && files.some((f) => isTestFile(`${w}/src/${f}`)))
        expected.push(`./${w}/tsconfig.test.json`);
    }
    expect((root.references ?? []).map((r) => r.path).sort()).toEqual(expected.sort());
  });

  it('each project references exactly the workspace packages its code imports', () => {
    for (const w of WORKSPACES) {
      if (sourceFiles(join(REPO_ROOT, w, 'src')).length === 0) continue;
      const { production, test } = imports.get(w) as { production: Set<string>; test: Set<string> };
      if (TEST_PACKAGES.has(w)) {
        expect(referenced(readJson<TsConfig>(`${w}/tsconfig.json`)), w).toEqual([...test].sort());
        continue;
      }
      expect(referenced(readJson<TsConfig>(`${w}/tsconfig.json`)), w).toEqual([...production].sort());
      if (existsSync(join(REPO_ROOT, w, 'tsconfig.test.json'))) {
        const testImports = new Set([...test, '.']);
        expect(referenced(readJson<TsConfig>(`${w}/tsconfig.test.json`)), `${w} tests`).toEqual(
          [...testImports].sort(),
        );
      }
    }
  });
});
