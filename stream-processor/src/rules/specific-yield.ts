import type { PeerRule, RuleCommon } from './types.ts';
import { median, round } from './types.ts';

export interface SpecificYieldParams extends RuleCommon {
  /** Bad when the device's W/Wp is this fraction below the peers' median. */
  maxDeviation: number;
  /** Only judged when the peers' median yield is at least this (W/Wp): skips dawn and dusk. */
  minPeerYield: number;
  /** Peers with a known nameplate needed in the window. */
  minPeers: number;
}

/** Specific-yield (W per Wp of nameplate) deviation from the site's peers. */
export const specificYield: PeerRule<SpecificYieldParams> = {
  name: 'specific_yield',
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
};
