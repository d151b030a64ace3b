export type DeviceHealth = 'discovering' | 'online' | 'degraded' | 'offline';

export const HEALTH_VALUES: Record<DeviceHealth, number> = { discovering: 0, online: 1, degraded: 2, offline: 3 };

/**
 * Per-device health from consecutive poll outcomes: a clean poll is online;
 * a poll that needed retries, or the polls after a failure, are degraded;
 * `offlineAfter` failed polls in a row make the device offline (then it is only
 * probed every `offlineProbeMs`, with no retries, so it costs its bus little).
 */
export class HealthTracker {
  state: DeviceHealth = 'discovering';
  consecutiveFailures = 0;
  lastError: string | undefined;
  private readonly offlineAfter: number;

  constructor(offlineAfter: number) {
    this.offlineAfter = offlineAfter;
  }

  success(retried: boolean): DeviceHealth {
    const recovering = this.consecutiveFailures > 0;
    this.consecutiveFailures = 0;
    this.lastError = undefined;
    this.state = retried || recovering ? 'degraded' : 'online';
    return this.state;
  }

  failure(error: string): DeviceHealth {
    this.consecutiveFailures++;
    this.lastError = error;
    this.state = this.consecutiveFailures >= this.offlineAfter ? 'offline' : 'degraded';
    return this.state;
  }
}
