import { spawnSync } from 'node:child_process';
import { cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir, type TempDir } from '@ysh/test-helpers';

const RULES = join(REPO_ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(REPO_ROOT, 'node_modules', '.bin', 'depcruise');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'workspace');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  /** For a cycle: the modules on it, after `from`. */
  cycle?: Array<{ name: string }>;
}

/**
 * The rule file of `npm run lint` (.dependency-cruiser.cjs) run on a miniature
 * workspace (fixtures/workspace: the real package names, each wrong import in a
 * file of its own), the way the lint runs it: the depcruise CLI from the root.
 */
describe('dependency rules (.dependency-cruiser.cjs) on a workspace with deliberately wrong imports', () => {
  let dir: TempDir;
  let lint: { status: number | null; stdout: string };
  let violations: Violation[];

  beforeAll(async () => {
    dir = await tempDir('ysh-depcruise-');
    await cp(FIXTURE, dir.path, { recursive: true });
    // Packages resolve by name through node_modules symlinks, as npm workspaces do.
    await mkdir(join(dir.path, 'node_modules', '@ysh'), { recursive: true });
    for (const name of ['common', 'embedded', 'gateway', 'stream-processor', 'cli', 'test-helpers'])
      await symlink(join('..', '..', name), join(dir.path, 'node_modules', '@ysh', name));
    // A unit test may use what its package declares as devDependencies (the gateway: embedded, test-helpers).
    await writeFile(
      join(dir.path, 'gateway', 'src', 'store.test.ts'),
      "import '@ysh/embedded';\nimport '@ysh/test-helpers';\n",
    );
    const folders = ['common', 'embedded', 'gateway', 'stream-processor', 'cli', 'test-helpers'];
    // As `npm run lint` runs it (its exit status), then the same as JSON to see which rule each file broke.
    lint = spawnSync(DEPCRUISE, ['--config', RULES, ...folders], { cwd: dir.path, encoding: 'utf8' });
    const json = spawnSync(DEPCRUISE, ['--config', RULES, '--output-type', 'json', ...folders], {
      cwd: dir.path,
      encoding: 'utf8',
    });
    violations = (JSON.parse(json.stdout) as { summary: { violations: Violation[] } }).summary.violations;
  }, 60_000);

  afterAll(async () => {
    await dir?.remove();
  });

  const rulesBrokenBy = (file: string) =>
    [...new Set(violations.filter((v) => v.from === file).map((v) => v.rule.name))].sort();

  it('fails (non-zero exit) because of them', () => {
    expect(lint.status).not.toBe(0);
    expect(lint.stdout).toContain('error no-cycles: ');
  });

  it('lets a component import common, the wiring layer import everything, and a unit test its devDependencies', () => {
    expect(rulesBrokenBy('gateway/src/allowed.ts')).toEqual([]);
    expect(rulesBrokenBy('cli/src/wires.ts')).toEqual([]);
    expect(rulesBrokenBy('gateway/src/store.test.ts')).toEqual([]);
  });

  it('rejects a component importing another component', () => {
    expect(rulesBrokenBy('gateway/src/imports-component.ts')).toEqual([
      'component-imports-component',
      'undeclared-workspace-import',
    ]);
  });

  it('rejects production code importing @ysh/embedded outside the wiring layer', () => {
    expect(rulesBrokenBy('gateway/src/imports-embedded.ts')).toEqual([
      'embedded-outside-wiring',
      'undeclared-workspace-import',
    ]);
  });

  it('rejects a component importing the wiring layer', () => {
    expect(rulesBrokenBy('gateway/src/imports-wiring.ts')).toEqual([
      'component-imports-wiring',
      'undeclared-workspace-import',
    ]);
  });

  it('rejects production code importing test code (test-helpers, src/testing/)', () => {
    expect(rulesBrokenBy('gateway/src/imports-test-helpers.ts')).toEqual([
      'production-imports-test-code',
      'undeclared-workspace-import',
    ]);
    expect(rulesBrokenBy('stream-processor/src/uses-testing.ts')).toEqual(['production-imports-test-code']);
  });

  it('rejects a relative import that leaves its package', () => {
    expect(rulesBrokenBy('gateway/src/relative-across.ts')).toEqual(['relative-import-across-packages']);
  });

  it('rejects an import cycle', () => {
    const cycles = violations.filter((v) => v.rule.name === 'no-cycles');
    expect(cycles).toHaveLength(1);
    const members = [cycles[0]?.from, ...(cycles[0]?.cycle ?? []).map((m) => m.name)];
    expect(new Set(members)).toEqual(new Set(['gateway/src/cycle-a.ts', 'gateway/src/cycle-b.ts']));
  });

  it('rejects the common library importing upward', () => {
    expect(rulesBrokenBy('common/src/imports-upward.ts')).toEqual([
      'library-imports-upward',
      'undeclared-workspace-import',
    ]);
  });

  it('rejects a workspace import its package.json does not declare', () => {
    expect(rulesBrokenBy('test-helpers/src/undeclared.ts')).toEqual(['undeclared-workspace-import']);
  });
});
