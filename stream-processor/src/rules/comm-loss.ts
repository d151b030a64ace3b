import type { Static } from '@sinclair/typebox';
import { incidentId } from '../alerts/hysteresis.ts';
import type { AlertTransition } from '../alerts/types.ts';
import { clockRule, clockRuleParams, type ConfigWith, int, num } from './types.ts';

export const commLossParams = clockRuleParams(
  { severity: 'critical' },
  {
    expectedIntervalMs: num(
      10_000,
      'Expected reading interval of a device (set from YSH_PROCESSOR_EXPECTED_INTERVAL by the processor).',
    ),
    periods: int(30, 'Silent for this many expected intervals = communication lost (YSH_PROCESSOR_COMM_LOSS_PERIODS).'),
    forgetAfterMs: num(
      7 * 24 * 3_600_000,
      'Devices silent for longer than this are retired from the check (decommissioned).',
    ),
  },
);
export type CommLossParams = Static<typeof commLossParams>;

/**
 * Communication loss, judged on processing time by the alert clock (no
 * windows, no hysteresis): it opens at once and resolves when readings return.
 */
export const commLoss = clockRule({ name: 'comm_loss', params: commLossParams });

/** One device as the processor last saw it (processing time). */
export interface DeviceSeen {
  site: string;
  device: string;
  lastSeenAt: number;
}

export interface CommLossFinding {
  site: string;
  /** Absent when the whole site is silent: one site-level alert. */
  device?: string;
  silentSince: number;
  devices: number;
}

/**
 * Communication loss on processing time. When every device of a site is
 * silent the site's uplink is down: one site-level finding stands for all of
 * them instead of one per inverter.
 */
export function findCommLoss(devices: DeviceSeen[], now: number, p: CommLossParams): CommLossFinding[] {
  const limit = p.expectedIntervalMs * p.periods;
  const bySite = new Map<string, DeviceSeen[]>();
  for (const d of devices) {
    if (now - d.lastSeenAt > p.forgetAfterMs) continue;
    let list = bySite.get(d.site);
    if (!list) {
      list = [];
      bySite.set(d.site, list);
    }
    list.push(d);
  }
  const findings: CommLossFinding[] = [];
  for (const [site, list] of bySite) {
    const silent = list.filter((d) => now - d.lastSeenAt > limit);
    if (silent.length === 0) continue;
    if (silent.length === list.length && list.length > 1) {
      findings.push({ site, silentSince: Math.max(...silent.map((d) => d.lastSeenAt)), devices: list.length });
      continue;
    }
    for (const d of silent) findings.push({ site, device: d.device, silentSince: d.lastSeenAt, devices: 1 });
  }
  return findings;
}

export interface OpenCommLoss {
  id: string;
  site: string;
  device?: string;
  since: number;
}

/**
 * Communication-loss transitions from the current findings and the
 * communication-loss alerts already open: new silence opens, silence that
 * ended resolves. Ids come from the silence start, so two instances finding
 * the same silence name the same incident.
 */
/** The site's most recent agent heartbeat (edge fleet), named by a site-silence alert. */
export interface SiteHeartbeat {
  agentId: string;
  at: number;
}

function heartbeatText(hb: SiteHeartbeat | undefined, now: number): string {
  if (!hb) return 'no agent heartbeat on record';
  const minutes = Math.round((now - hb.at) / 60_000);
  return `agent ${hb.agentId} last heartbeat ${new Date(hb.at).toISOString()} (${minutes} min ago)`;
}

export function commLossTransitions(
  findings: CommLossFinding[],
  open: OpenCommLoss[],
  now: number,
  config: ConfigWith<'comm_loss', typeof commLossParams>,
  heartbeats: ReadonlyMap<string, SiteHeartbeat> = new Map(),
): AlertTransition[] {
  const params = commLoss.paramsIn(config);
  const out: AlertTransition[] = [];
  const key = (site: string, device?: string) => `${site}/${device ?? ''}`;
  const openByKey = new Map(open.map((a) => [key(a.site, a.device), a]));
  const found = new Set<string>();
  const silenceMs = params.expectedIntervalMs * params.periods;
  for (const f of findings) {
    const k = key(f.site, f.device);
    found.add(k);
    if (openByKey.has(k)) continue;
    const minutes = Math.round((now - f.silentSince) / 60_000);
    out.push({
      type: 'open',
      id: incidentId(f.site, f.device, commLoss.name, f.silentSince),
      site: f.site,
      ...(f.device === undefined ? {} : { device: f.device }),
      rule: commLoss.name,
      severity: params.severity,
      since: f.silentSince,
      at: now,
      value: now - f.silentSince,
      threshold: silenceMs,
      message:
        f.device === undefined
          ? `site silent: none of its ${f.devices} devices reported for ${minutes} min; ${heartbeatText(heartbeats.get(f.site), now)}`
          : `no readings for ${minutes} min`,
    });
  }
  for (const a of open) {
    if (found.has(key(a.site, a.device))) continue;
    out.push({
      type: 'resolve',
      id: a.id,
      site: a.site,
      ...(a.device === undefined ? {} : { device: a.device }),
      rule: commLoss.name,
      severity: params.severity,
      since: a.since,
      at: now,
      message: a.device === undefined ? 'site reporting again' : 'device reporting again',
    });
  }
  return out;
}
