import { describe, expect, it } from 'vitest';
import { nextTick, previousTick, ticksBetween, validateCron } from './cron.ts';

describe('cron in a time zone', () => {
  it('evaluates business-day deadlines in São Paulo (UTC-3)', () => {
    const tueMorning = Date.parse('2026-12-01T12:00:00Z');
    expect(new Date(previousTick('0 8 * * 1-5', 'America/Sao_Paulo', tueMorning)).toISOString()).toBe(
      '2026-12-01T11:00:00.000Z',
    );
    // Friday evening: the next deadline is Monday.
    expect(
      new Date(nextTick('0 8 * * 1-5', 'America/Sao_Paulo', Date.parse('2026-12-04T22:00:00Z'))).toISOString(),
    ).toBe('2026-12-07T11:00:00.000Z');
    // A tick exactly at `at` is the previous tick.
    expect(previousTick('0 * * * *', 'UTC', Date.parse('2026-12-01T10:00:00Z'))).toBe(
      Date.parse('2026-12-01T10:00:00Z'),
    );
    expect(
      ticksBetween('0 * * * *', 'UTC', Date.parse('2026-12-01T10:00:00Z'), Date.parse('2026-12-01T13:30:00Z')).map(
        (t) => new Date(t).toISOString(),
      ),
    ).toEqual(['2026-12-01T11:00:00.000Z', '2026-12-01T12:00:00.000Z', '2026-12-01T13:00:00.000Z']);
  });

  it('names a bad expression or zone', () => {
    expect(() => validateCron('61 * * * *')).toThrow(/cron "61 \* \* \* \*"/);
    expect(() => validateCron('0 8 * * *', 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});
