import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type TempDir, tempDir } from '@ysh/test-helpers';
import { seedDomainInbox } from './seed-domain.ts';

describe('seedDomainInbox', () => {
  let tmp: TempDir | undefined;
  afterAll(async () => {
    await tmp?.remove();
  });

  it('fills the catalog and aneel inbox folders once, and never again', async () => {
    tmp = await tempDir('ysh-seed-');
    const inbox = join(tmp.path, 'inbox');
    const first = await seedDomainInbox(inbox);
    expect(first.map((p) => p.slice(inbox.length + 1)).sort()).toEqual([
      'aneel/aneel-datastore-tarifas-homologadas_2records.json',
      'aneel/aneel-tarifas-scraped-2023_tarifas_direto.csv',
      'aneel/bandeira-tarifaria-acionamento.csv',
      'aneel/tarifas-homologadas_raw-layout_reconstructed_2rows.csv',
      'catalog/distribuidora-sul.csv',
      'catalog/norte-inversores.csv',
      'catalog/solar-atacado-export.csv',
    ]);
    // An operator removed a feed: a restart must not bring it back.
    await rm(join(inbox, 'catalog', 'norte-inversores.csv'));
    expect(await seedDomainInbox(inbox)).toEqual([]);
    expect((await readdir(join(inbox, 'catalog'))).sort()).toEqual([
      'distribuidora-sul.csv',
      'solar-atacado-export.csv',
    ]);
  });
});
