import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@ysh/test-helpers';
import { describe, expect, it } from 'vitest';
import { CONSOLE_ROOT, sourceHash } from './ensure-build.ts';

describe('console build hash', () => {
  it('changes when a source changes or is renamed, and not otherwise', async () => {
    const dir = await tempDir('console-hash');
    for (const f of ['index.html', 'vite.config.ts', 'package.json'])
      await cp(join(CONSOLE_ROOT, f), join(dir.path, f));
    await mkdir(join(dir.path, 'src'));
    await writeFile(join(dir.path, 'src', 'a.ts'), 'export const a = 1;\n');
    const first = await sourceHash(dir.path);
    expect(await sourceHash(dir.path)).toBe(first);
    // a test file is not an input of the build
    await writeFile(join(dir.path, 'src', 'a.test.ts'), 'x');
    expect(await sourceHash(dir.path)).toBe(first);
    await writeFile(join(dir.path, 'src', 'a.ts'), 'export const a = 2;\n');
    const second = await sourceHash(dir.path);
    expect(second).not.toBe(first);
    await writeFile(join(dir.path, 'src', 'a.ts'), 'export const a = 1;\n');
    expect(await sourceHash(dir.path)).toBe(first);
    await cp(join(dir.path, 'src', 'a.ts'), join(dir.path, 'src', 'b.ts'));
    expect(await sourceHash(dir.path)).not.toBe(first);
    await dir.remove();
  });
});
