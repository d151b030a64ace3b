import type { Metrics } from '@ysh/common';

export const DAY = Date.parse('2026-11-21T00:00:00Z');
const H = 3_600_000;

/** A fault on one device between two hours of the scripted day. */
export function during(device: string, fromHour: number, toHour: number, change: (m: Metrics, t: number) => Metrics) {
  return (d: string, t: number, m: Metrics): Metrics | undefined =>
    d === device && t >= DAY + fromHour * H && t < DAY + toHour * H ? change(m, t) : m;
}

/** On for `onMin`, off for `offMin`, repeating, between two hours. */
export function flapping(
  device: string,
  fromHour: number,
  toHour: number,
  onMin: number,
  offMin: number,
  change: (m: Metrics) => Metrics,
) {
  return during(device, fromHour, toHour, (m, t) => {
    const minute = (t - DAY - fromHour * H) / 60_000;
    return minute % (onMin + offMin) < onMin ? change(m) : m;
  });
}
