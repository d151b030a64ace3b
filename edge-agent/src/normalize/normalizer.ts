import { createContractValidator, type Quality, type Reading, type ReadingFlag } from '@ysh/common';
import type { DeviceHealth } from '../poller/health.ts';
import type { ClockGuard } from './clock-guard.ts';
import type { SeqStore } from './seq-store.ts';

export interface RawSample {
  device: string;
  metrics: Record<string, number>;
  health: DeviceHealth;
  partial: boolean;
  /** The device's own timestamp (MQTT-native devices), epoch ms. */
  deviceTs?: number;
}

/**
 * Turns a poll result into a contract v1 reading: the per-device `seq`
 * (durably reserved), the edge timestamp, and `quality`/`flags` saying why a
 * reading is not plain good (device degraded, partial read, clock jump,
 * energy counter reset). Metrics that break the contract are left out and the
 * reading flagged partial, so one bad register never loses the reading.
 */
export class Normalizer {
  private readonly site: string;
  private readonly seqs: SeqStore;
  private readonly clock: ClockGuard;
  private readonly validator = createContractValidator({ maxFutureSkewMs: Number.MAX_SAFE_INTEGER });
  private readonly lastEnergy = new Map<string, number>();
  clockJumpReadings = 0;
  /** Largest accepted difference between an MQTT device's own timestamp and the edge clock. */
  deviceSkewMs = 5 * 60_000;

  constructor(site: string, seqs: SeqStore, clock: ClockGuard) {
    this.site = site;
    this.seqs = seqs;
    this.clock = clock;
  }

  async normalize(sample: RawSample): Promise<Reading> {
    const seq = await this.seqs.take(sample.device);
    const stamp = this.clock.stamp();
    this.seqs.noteTs(stamp.ts);
    const flags = new Set<ReadingFlag>();
    let quality: Quality = 'good';
    if (sample.health === 'degraded') {
      flags.add('device_degraded');
      quality = 'degraded';
    }
    if (sample.partial) {
      flags.add('partial_read');
      quality = 'degraded';
    }
    const energy = sample.metrics.ac_energy_wh;
    if (energy !== undefined) {
      const prev = this.lastEnergy.get(sample.device);
      if (prev !== undefined && energy < prev) {
        flags.add('counter_reset');
        quality = 'suspect';
      }
      this.lastEnergy.set(sample.device, energy);
    }
    // An MQTT-native device's own clock far from ours (skew, no NTP on the logger): say so.
    const deviceSkewed = sample.deviceTs !== undefined && Math.abs(sample.deviceTs - stamp.ts) > this.deviceSkewMs;
    if (stamp.suspect || deviceSkewed) {
      flags.add('clock_jump');
      quality = 'suspect';
      this.clockJumpReadings++;
    }
    const reading: Reading = {
      v: 1,
      site: this.site,
      device: sample.device,
      ts: new Date(stamp.ts).toISOString(),
      seq,
      metrics: { ...sample.metrics },
      quality,
    };
    for (let guard = 0; guard < 16; guard++) {
      if (flags.size > 0) reading.flags = [...flags];
      const checked = this.validator.reading(reading);
      if (checked.ok) break;
      const bad = /^metrics\.([a-z0-9_]+):/.exec(checked.error)?.[1];
      if (!bad || !(bad in reading.metrics)) break;
      delete reading.metrics[bad];
      flags.add('partial_read');
      if (quality === 'good') quality = 'degraded';
      reading.quality = quality;
    }
    return reading;
  }
}
