import type { Static } from '@sinclair/typebox';
import { EVENT_BITS } from '@ysh/common';
import { deviceRule, int, windowRuleParams } from './types.ts';

/** Fault bits by default; a blown string fuse is left to the MPPT-imbalance rule, which says which string. */
export const DEFAULT_FAULT_EVENT_MASK =
  (1 << EVENT_BITS.GROUND_FAULT) |
  (1 << EVENT_BITS.DC_OVER_VOLT) |
  (1 << EVENT_BITS.MEMORY_LOSS) |
  (1 << EVENT_BITS.HW_TEST_FAILURE);

function bitNames(mask: number): string {
  return Object.entries(EVENT_BITS)
    .filter(([, bit]) => (mask & (1 << bit)) !== 0)
    .map(([name]) => name)
    .join(', ');
}

const params = windowRuleParams(
  { severity: 'critical', openAfter: 1, resolveAfter: 2, cooldownMs: 15 * 60_000 },
  { eventMask: int(DEFAULT_FAULT_EVENT_MASK, 'Evt1 bits that count as a fault (SunSpec model 101/103).') },
);
export type FaultStateParams = Static<typeof params>;

/** SunSpec operating state FAULT (St=7) in any sample, or a fault event bit. Judged first: the most specific cause. */
export const faultState = deviceRule({
  name: 'fault_state',
  params,
  order: 10,
  explainsPeers: true,
  evaluate(r, p) {
    if (r.samples === 0) return { verdict: null };
    const bits = (r.eventsMask & p.eventMask) >>> 0;
    const bad = r.faultSamples > 0 || bits !== 0;
    const parts: string[] = [];
    if (r.faultSamples > 0) parts.push(`operating state FAULT in ${r.faultSamples} of ${r.samples} readings`);
    // Name every raised bit (not only the fault ones): "GRID_DISCONNECT, AC_UNDER_VOLT" says why St=7.
    if (bad && r.eventsMask !== 0) parts.push(`events ${bitNames(r.eventsMask)}`);
    return {
      verdict: {
        bad,
        value: r.faultSamples,
        message: bad ? parts.join('; ') : 'no fault state or fault event',
      },
    };
  },
});
