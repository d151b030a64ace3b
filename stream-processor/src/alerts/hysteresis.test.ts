import { describe, expect, it } from 'vitest';
import { emptyHysteresis, incidentId, stepHysteresis } from './hysteresis.ts';

const P = { openAfter: 2, resolveAfter: 2, cooldownMs: 30 * 60_000, severity: 'warning' as const };
const target = { site: 's', device: 'd', rule: 'r' };
const W = 300_000;

function run(pattern: string) {
  const h = emptyHysteresis();
  const out: string[] = [];
  [...pattern].forEach((c, i) => {
    const verdict = c === '.' ? null : { bad: c === 'x', message: c };
    const t = stepHysteresis(h, verdict, i * W, (i + 1) * W, target, P);
    if (t) out.push(`${t.type}@${i}`);
  });
  return out;
}

describe('hysteresis', () => {
  it('opens after N consecutive bad windows and resolves after M good ones; not-applicable windows change nothing', () => {
    expect(run('oxxoo')).toEqual(['open@2', 'resolve@4']);
    expect(run('ox.xoo')).toEqual(['open@3', 'resolve@5']);
    expect(run('oxoxoxo')).toEqual([]);
  });

  it('a flap shorter than the resolve count keeps the one incident open', () => {
    expect(run('xxoxoxxoo')).toEqual(['open@1', 'resolve@8']);
  });

  it('cooldown: after a resolve, the same target opens nothing new for cooldownMs', () => {
    // Resolved at the end of window 4; bad again from window 5: the cooldown (6 windows) holds it until window 9.
    expect(run('xxooxxxxxxoo')).toEqual(['open@1', 'resolve@3', 'open@9', 'resolve@11']);
  });

  it('ids are stable per incident start and differ between incidents', () => {
    expect(incidentId('s', 'd', 'r', 0)).toBe(incidentId('s', 'd', 'r', 0));
    expect(incidentId('s', 'd', 'r', 0)).not.toBe(incidentId('s', 'd', 'r', W));
    expect(incidentId('s', undefined, 'r', 0)).not.toBe(incidentId('s', '', 'r', 1));
  });
});
