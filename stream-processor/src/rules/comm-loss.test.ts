import { describe, expect, it } from 'vitest';
import { commLossTransitions, findCommLoss } from './comm-loss.ts';
import { DEFAULT_RULES } from './config.ts';

const P = DEFAULT_RULES.comm_loss; // 30 × 10 s = 5 min
const MIN = 60_000;
const seen = (site: string, device: string, lastSeenAt: number) => ({ site, device, lastSeenAt });

describe('comm_loss rule', () => {
  it('one silent inverter is a device alert', () => {
    const f = findCommLoss([seen('s1', 'a', 0), seen('s1', 'b', 9 * MIN)], 10 * MIN, P);
    expect(f).toEqual([{ site: 's1', device: 'a', silentSince: 0, devices: 1 }]);
  });

  it('a whole silent site is ONE site-level alert, not one per inverter', () => {
    const devices = Array.from({ length: 10 }, (_, i) => seen('s1', `inv-${i}`, i * 1000));
    const f = findCommLoss([...devices, seen('s2', 'x', 10 * MIN)], 10 * MIN, P);
    expect(f).toEqual([{ site: 's1', silentSince: 9000, devices: 10 }]);
    const t = commLossTransitions(f, [], 10 * MIN, { ...DEFAULT_RULES });
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({ type: 'open', site: 's1', rule: 'comm_loss' });
    expect(t[0]?.device).toBeUndefined();
    expect(t[0]?.message).toContain('10 devices');
  });

  it("a silent site's alert names its agent's last heartbeat (uplink down vs. agent down)", () => {
    const f = findCommLoss([seen('s1', 'a', 0), seen('s1', 'b', 0)], 10 * MIN, P);
    const hb = new Map([['s1', { agentId: 'pi-01', at: 8 * MIN }]]);
    const [named] = commLossTransitions(f, [], 10 * MIN, DEFAULT_RULES, hb);
    expect(named?.message).toContain(`agent pi-01 last heartbeat ${new Date(8 * MIN).toISOString()} (2 min ago)`);
    const [unknown] = commLossTransitions(f, [], 10 * MIN, DEFAULT_RULES);
    expect(unknown?.message).toContain('no agent heartbeat on record');
  });

  it('is quiet within N expected periods and forgets decommissioned devices', () => {
    expect(findCommLoss([seen('s1', 'a', 0), seen('s1', 'b', 0)], 5 * MIN, P)).toEqual([]);
    expect(findCommLoss([seen('s1', 'a', 0)], 8 * 24 * 60 * MIN, P)).toEqual([]);
  });

  it('opens once while silent, resolves when readings come back; same silence gives the same id', () => {
    const f = findCommLoss([seen('s1', 'a', 0), seen('s1', 'b', 0)], 6 * MIN, P);
    const [open] = commLossTransitions(f, [], 6 * MIN, DEFAULT_RULES);
    const [again] = commLossTransitions(f, [], 7 * MIN, DEFAULT_RULES);
    expect(again?.id).toBe(open?.id);
    const stillOpen = [{ id: open!.id, site: 's1', since: 0 }];
    expect(commLossTransitions(f, stillOpen, 7 * MIN, DEFAULT_RULES)).toEqual([]);
    const back = findCommLoss([seen('s1', 'a', 8 * MIN), seen('s1', 'b', 8 * MIN)], 8 * MIN, P);
    expect(commLossTransitions(back, stillOpen, 8 * MIN, DEFAULT_RULES)).toMatchObject([
      { type: 'resolve', id: open!.id, site: 's1' },
    ]);
  });
});
