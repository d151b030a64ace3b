import type { Reading } from '@ysh/common';
import type { AlertTransition } from '../alerts/types.ts';
import { ProcessorEngine } from '../engine.ts';
import { resolveRules, type RulesOverrides } from '../rules/config.ts';
import { evaluatePeers, type PeerState } from '../rules/peer-evaluator.ts';
import type { WindowResult } from '../aggregates/window-aggregate.ts';
import { DEFAULT_WINDOW_OPTIONS } from '../windows/window-manager.ts';

/**
 * Runs scripted readings through the engine and the peer evaluation the way
 * the processor does (peer rules once every device of the site closed the
 * window), returning every window result and alert transition in order.
 */
export function runScripted(
  readings: Reading[],
  options: { rules?: RulesOverrides; nameplateWp?: number } = {},
): { results: WindowResult[]; transitions: AlertTransition[] } {
  const rules = resolveRules(options.rules);
  const engine = new ProcessorEngine({ windows: DEFAULT_WINDOW_OPTIONS, rules, expectedIntervalMs: 10_000 });
  const results: WindowResult[] = [];
  const transitions: AlertTransition[] = [];
  const devicesBySite = new Map<string, Set<string>>();
  for (const r of readings) {
    let set = devicesBySite.get(r.site);
    if (!set) {
      set = new Set();
      devicesBySite.set(r.site, set);
    }
    set.add(r.device);
  }
  const pending = new Map<string, WindowResult[]>();
  const peerState: PeerState = new Map();
  const collect = () => {
    const out = engine.drain();
    transitions.push(...out.transitions);
    for (const { result, correction } of out.results) {
      results.push(result);
      if (correction) continue;
      const key = `${result.site}@${result.windowStart}`;
      const list = pending.get(key) ?? [];
      list.push(result);
      pending.set(key, list);
      if (list.length === devicesBySite.get(result.site)?.size) {
        pending.delete(key);
        const np = options.nameplateWp;
        const contexts = list.map((x) => ({ result: x, nameplateWp: np }));
        transitions.push(...evaluatePeers(contexts, rules, peerState));
      }
    }
  };
  let now = 0;
  for (const r of readings) {
    now += 1;
    engine.ingest(r, Date.parse(r.ts), now);
    collect();
  }
  return { results, transitions };
}

/** "open:rule:device" / "resolve:rule:device" lines, for compact assertions. */
export function summary(transitions: AlertTransition[]): string[] {
  return transitions.map((t) => `${t.type}:${t.rule}:${t.device ?? '(site)'}`);
}
