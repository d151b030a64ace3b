import { captureLogs, testDatabase, waitFor } from '@ysh/test-helpers';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { createPool } from './pool.ts';

describe('createPool', () => {
  it('logs an idle connection lost with its server instead of discarding the error, and does not crash', async () => {
    const db = await testDatabase({ migrate: false });
    const logs = captureLogs();
    const pool = createPool(db.url, {
      max: 1,
      application: 'pool-test',
      logger: createLogger('db', { destination: logs.destination }),
    });
    try {
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(pool.idleCount).toBe(1);
      // The server goes away under the idle connection.
      await db.close();
      const [line] = await waitFor('the lost connection logged', () => {
        const found = logs.find('idle database connection failed');
        return found.length > 0 ? found : undefined;
      });
      expect(line).toMatchObject({ level: 40, component: 'db', application: 'pool-test' });
      expect(line?.err).toMatchObject({ message: expect.stringMatching(/terminated/i) });
      expect(pool.idleCount).toBe(0);
    } finally {
      await pool.end();
    }
  });
});
