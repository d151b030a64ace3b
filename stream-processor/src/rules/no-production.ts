import type { Static } from '@sinclair/typebox';
import { int, median, num, type PeerContext, peerRule, round, windowRuleParams } from './types.ts';

const params = windowRuleParams(
  { severity: 'critical', openAfter: 2, resolveAfter: 2, cooldownMs: 15 * 60_000 },
  {
    peerMinYield: num(0.05, 'Peers count as producing above this specific yield (W/Wp) …'),
    peerMinPowerW: num(100, '… or, without a nameplate, above this mean AC power.'),
    minPeers: int(1, 'At least this many peers in the window.'),
    maxOwnPowerW: num(10, 'The device "produces nothing" at or below this mean AC power.'),
  },
);
export type NoProductionParams = Static<typeof params>;

function producing(p: PeerContext, params: NoProductionParams): boolean {
  const ac = p.result.stats.ac_power_w;
  if (!ac) return false;
  return p.nameplateWp ? ac.mean / p.nameplateWp >= params.peerMinYield : ac.mean >= params.peerMinPowerW;
}

/**
 * No production in daylight: daylight is judged by the site's peers (the
 * median peer produces), so night, dawn and dusk stay quiet without a sun
 * model, and a passing cloud lowers every inverter together. A device that
 * produces nothing is not also judged for low specific yield.
 */
export const noProduction = peerRule({
  name: 'no_production',
  params,
  order: 10,
  explainsPeers: true,
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
});
