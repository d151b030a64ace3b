import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SiteRegistry } from '@ysh/common/registry';
import { DATABASE_KINDS, type TestDatabase } from '@ysh/test-helpers';
import { DeviceOwnership } from './device-ownership.ts';

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`device ownership on ${kind.kind}`, () => {
    let db: TestDatabase;
    let registry: SiteRegistry;
    beforeAll(async () => {
      db = await kind.open();
      registry = new SiteRegistry(db.pool);
    });
    afterAll(async () => {
      await db?.close();
    });

    it('auto-registers unknown devices to the reporting site and never hands a device to another site', async () => {
      await registry.addSite('site-x');
      await registry.addSite('site-y');
      const own = new DeviceOwnership(db.pool, { policy: 'auto-register', cacheMs: 60_000 });
      const first = await own.owners('site-x', ['inv-x1', 'inv-x2', 'inv-x1']);
      expect(Object.fromEntries(first)).toEqual({ 'inv-x1': 'site-x', 'inv-x2': 'site-x' });
      const second = await own.owners('site-y', ['inv-x1', 'inv-y1']);
      expect(Object.fromEntries(second)).toEqual({ 'inv-x1': 'site-x', 'inv-y1': 'site-y' });
      const strict = new DeviceOwnership(db.pool, { policy: 'registered-only', cacheMs: 0 });
      expect(Object.fromEntries(await strict.owners('site-y', ['inv-new', 'inv-y1']))).toEqual({
        'inv-new': undefined,
        'inv-y1': 'site-y',
      });
      // An unregistered site (MQTT topic without a provisioned site) registers nothing.
      expect(Object.fromEntries(await own.owners('ghost-site', ['inv-ghost']))).toEqual({ 'inv-ghost': undefined });
    });
  });
}
