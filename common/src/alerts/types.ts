import type { ALERT_EVENTS, ALERT_SEVERITIES } from '../contract/schemas.ts';

export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export type AlertEventType = (typeof ALERT_EVENTS)[number];
export type AlertState = 'open' | 'acknowledged' | 'resolved';

/** A rule's decision after hysteresis: open or resolve one incident. */
export interface AlertTransition {
  type: 'open' | 'resolve';
  /** Stable per incident; the same input always gives the same id. */
  id: string;
  site: string;
  device?: string;
  rule: string;
  severity: AlertSeverity;
  /** Event time the incident started (first bad window). */
  since: number;
  /** Event time of this transition (end of the window that decided it). */
  at: number;
  value?: number;
  threshold?: number;
  message: string;
}
