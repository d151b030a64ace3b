/** One device as the processor last saw it (processing time). */
export interface DeviceSeen {
  site: string;
  device: string;
  lastSeenAt: number;
}

export interface CommLossParams {
  enabled: boolean;
  severity: 'info' | 'warning' | 'critical';
  /** Expected reading interval of a device. */
  expectedIntervalMs: number;
  /** Silent for this many expected intervals = communication lost. */
  periods: number;
  /** Devices silent for longer than this are retired from the check (decommissioned). */
  forgetAfterMs: number;
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
