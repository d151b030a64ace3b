import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skippedGroups } from '@ysh/test-helpers';
import { stopSharedPlatform } from '@ysh/test-helpers/shared-platform.ts';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const lines = skippedGroups();
  for (const line of lines) process.stdout.write(`${line}\n`);
  if (lines.length === 0) process.stdout.write('All integration groups enabled (services and tools found).\n');
  // The shared platform starts on first use (test-helpers/src/shared-platform.ts); this run's files live here.
  const root = await mkdtemp(join(tmpdir(), 'ysh-shared-platform-'));
  project.provide('sharedPlatformDir', root);
  return () => stopSharedPlatform(root);
}
