import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { consoleChannel, consoleLine } from './console.ts';

const alert = {
  v: 1 as const,
  id: 'al_9',
  event: 'opened' as const,
  site: 'site-sp-001',
  device: 'inv-0007',
  rule: 'mppt_imbalance',
  severity: 'warning' as const,
  since: '2026-11-21T13:00:00.000Z',
  at: '2026-11-21T13:15:00.000Z',
  message: 'MPPT 2 at 0 W is 100% below the strongest input (2100 W)',
};

describe('console alert sink (embedded mode)', () => {
  it('prints one line per event and logs it as JSON', async () => {
    const out = new PassThrough();
    const logs = new PassThrough();
    let printed = '';
    let logged = '';
    out.on('data', (d: Buffer) => {
      printed += d.toString();
    });
    logs.on('data', (d: Buffer) => {
      logged += d.toString();
    });
    await consoleChannel(pino(logs), out).deliver(alert);
    await consoleChannel(pino(logs), out).deliver({ ...alert, event: 'resolved', device: undefined });
    expect(printed).toBe(
      'alert opened       site-sp-001/inv-0007  mppt_imbalance  warning  MPPT 2 at 0 W is 100% below the strongest input (2100 W)\n' +
        'alert resolved     site-sp-001 (site)  mppt_imbalance  warning  MPPT 2 at 0 W is 100% below the strongest input (2100 W)\n',
    );
    expect(JSON.parse(logged.split('\n')[0] as string)).toMatchObject({ msg: 'alert opened', alert: { id: 'al_9' } });
    expect(consoleLine(alert).startsWith('alert opened ')).toBe(true);
  });
});
