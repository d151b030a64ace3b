import type { Static } from '@sinclair/typebox';
import { int, median, num, peerRule, round, windowRuleParams } from './types.ts';

const params = windowRuleParams(
  { severity: 'warning', openAfter: 3, resolveAfter: 3, cooldownMs: 30 * 60_000 },
  {
    maxDeviation: num(0.25, "Bad when the device's W/Wp is this fraction below the peers' median."),
    minPeerYield: num(0.1, "Only judged when the peers' median yield is at least this (W/Wp): skips dawn and dusk."),
    minPeers: int(2, 'Peers with a known nameplate needed in the window.'),
  },
);
export type SpecificYieldParams = Static<typeof params>;

/** Specific-yield (W per Wp of nameplate) deviation from the site's peers. */
export const specificYield = peerRule({
  name: 'specific_yield',
  params,
  order: 20,
  explainsPeers: false,
  evaluate(self, peers, params) {
    const ownAc = self.result.stats.ac_power_w;
    if (!self.nameplateWp || !ownAc) return null;
    const yields = peers
      .filter((p) => p.nameplateWp && p.result.stats.ac_power_w)
      .map((p) => (p.result.stats.ac_power_w?.mean ?? 0) / (p.nameplateWp as number));
    if (yields.length < params.minPeers) return null;
    const peerYield = median(yields) as number;
    if (peerYield < params.minPeerYield) return null;
    const own = ownAc.mean / self.nameplateWp;
    const deviation = 1 - own / peerYield;
    const bad = deviation > params.maxDeviation;
    return {
      bad,
      value: round(deviation),
      threshold: params.maxDeviation,
      message: `specific yield ${round(own, 3)} W/Wp vs site median ${round(peerYield, 3)} W/Wp (${round(deviation * 100, 1)}% below)`,
    };
  },
});
