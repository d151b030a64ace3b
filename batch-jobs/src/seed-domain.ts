import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FEED_EXAMPLES_DIR, feedsInbox } from './catalog/index.ts';
import { ANEEL_FIXTURES_DIR, aneelInbox } from './tarifas/index.ts';

/**
 * First start of a demo install: copies the example supplier feeds into <inbox>/catalog and the
 * ANEEL fixtures (third-party copies, NOT current tariffs) into <inbox>/aneel, each only when that
 * folder does not exist yet, so files an operator put there (or removed) are never touched.
 * Each folder is filled beside the inbox and renamed into place, so the inbox sensors never see
 * a half-copied file (a materialization would record a source version that is already outdated).
 */
export async function seedDomainInbox(inboxDir: string): Promise<string[]> {
  const copied: string[] = [];
  for (const [from, to, pattern] of [
    [FEED_EXAMPLES_DIR, feedsInbox(inboxDir), /\.csv$/i],
    [ANEEL_FIXTURES_DIR, aneelInbox(inboxDir), /\.(csv|json)$/i],
  ] as const) {
    try {
      await readdir(to);
      continue;
    } catch {
      // not there yet: seed it
    }
    const staging = `${to}.seeding`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    const names = (await readdir(from)).filter((n) => pattern.test(n)).sort();
    for (const f of names) await copyFile(join(from, f), join(staging, f));
    await rename(staging, to);
    copied.push(...names.map((f) => join(to, f)));
  }
  return copied;
}
