import type { PeerContext, PeerRule, RuleCommon } from './types.ts';
import { median, round } from './types.ts';

export interface NoProductionParams extends RuleCommon {
  /** Peers count as producing above this specific yield (W/Wp) … */
  peerMinYield: number;
  /** … or, without a nameplate, above this mean AC power. */
  peerMinPowerW: number;
  /** At least this many peers in the window. */
  minPeers: number;
  /** The device "produces nothing" at or below this mean AC power. */
  maxOwnPowerW: number;
}

function producing(p: PeerContext, params: NoProductionParams): boolean {
  const ac = p.result.stats.ac_power_w;
  if (!ac) return false;
  return p.nameplateWp ? ac.mean / p.nameplateWp >= params.peerMinYield : ac.mean >= params.peerMinPowerW;
}

/**
 * No production in daylight: daylight is judged by the site's peers (the
 * median peer produces), so night, dawn and dusk stay quiet without a sun
 * model, and a passing cloud lowers every inverter together.
 */
export const noProduction: PeerRule<NoProductionParams> = {
  name: 'no_production',
  evaluate(self, peers, params) {
    if (peers.length < params.minPeers) return null;
    const flags = peers.map((p) => (producing(p, params) ? 1 : 0));
    if ((median(flags) ?? 0) < 1) return null;
    const own = self.result.stats.ac_power_w?.mean ?? 0;
    const bad = own <= params.maxOwnPowerW;
    const producingPeers = flags.filter(Boolean).length;
    return {
      bad,
      value: round(own, 1),
      threshold: params.maxOwnPowerW,
      message: bad
        ? `no production (${round(own, 1)} W) while ${producingPeers} of ${peers.length} site peers produce`
        : `producing ${round(own, 1)} W`,
    };
  },
};
