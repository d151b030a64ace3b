import { describe, expect, it } from 'vitest';
import { listAlerts, ProcessorCore, type AlertTransition } from '@ysh/stream-processor';
import { coreOptions, silent } from '@ysh/stream-processor/testing/core-harness.ts';
import { runScripted, summary } from '@ysh/stream-processor/testing/run-scripted.ts';
import { testDatabase } from '@ysh/test-helpers';
import { SIM_DAY, SIM_NAMEPLATE_WP, simulatedSite, type FaultWindow } from './simulated-site.ts';

const opts = { nameplateWp: SIM_NAMEPLATE_WP };
const run = (faults: FaultWindow[], fromHour = 8, toHour = 22) =>
  runScripted(simulatedSite({ faults, fromHour, toHour }), opts);

describe('anomaly rules on the firmware simulator', () => {
  it('a healthy day (variable weather: clouds, dawn, dusk, night) raises nothing', () => {
    const { results, transitions } = runScripted(simulatedSite({}), opts);
    expect(results.length).toBeGreaterThan(4 * 280);
    expect(summary(transitions)).toEqual([]);
  });

  it('mppt-failure (a dead string) → one mppt_imbalance incident, resolved when the string is back', () => {
    const { transitions } = run([
      { device: 'inv-0002', fault: { type: 'mppt-failure', mppt: 2 }, fromHour: 13, toHour: 15 },
    ]);
    expect(summary(transitions)).toEqual(['open:mppt_imbalance:inv-0002', 'resolve:mppt_imbalance:inv-0002']);
    expect(transitions[0]?.since).toBe(SIM_DAY + 13 * 3_600_000);
  });

  it('over-temperature (derating) → one over_temperature incident', () => {
    const { transitions } = run([
      {
        device: 'inv-0003',
        fault: { type: 'over-temperature', deratePct: 60, heatsinkC: 88 },
        fromHour: 14,
        toHour: 15.5,
      },
    ]);
    expect(summary(transitions)).toEqual(['open:over_temperature:inv-0003', 'resolve:over_temperature:inv-0003']);
  });

  it('grid-fault (St=7, GRID_DISCONNECT) → one fault_state incident; the missing production is not a second alert', () => {
    const { transitions } = run([
      { device: 'inv-0001', fault: { type: 'grid-fault', kind: 'undervoltage' }, fromHour: 12, toHour: 13 },
    ]);
    expect(summary(transitions)).toEqual(['open:fault_state:inv-0001', 'resolve:fault_state:inv-0001']);
    expect(transitions[0]?.message).toContain('GRID_DISCONNECT');
  });

  it('a grid fault flapping every 10 minutes for an hour → still one incident', () => {
    const flaps: FaultWindow[] = [0, 1, 2, 3, 4, 5].map((i) => ({
      device: 'inv-0004',
      fault: { type: 'grid-fault', kind: 'overfrequency' },
      fromHour: 12 + i / 6,
      toHour: 12 + i / 6 + 1 / 12,
    }));
    expect(summary(run(flaps).transitions)).toEqual(['open:fault_state:inv-0004', 'resolve:fault_state:inv-0004']);
  });

  it('frozen-values → one frozen_values incident', () => {
    const { transitions } = run([{ device: 'inv-0002', fault: { type: 'frozen-values' }, fromHour: 11, toHour: 12 }]);
    expect(summary(transitions)).toEqual(['open:frozen_values:inv-0002', 'resolve:frozen_values:inv-0002']);
  });

  it('energy-reset is handled in the window energy and alerts nobody', () => {
    const { results, transitions } = run([
      { device: 'inv-0003', fault: { type: 'energy-reset' }, fromHour: 12.04, toHour: 12.5 },
    ]);
    expect(summary(transitions)).toEqual([]);
    const resets = results.filter((r) => r.counterResets > 0);
    expect(resets.map((r) => r.device)).toEqual(['inv-0003']);
    // The reset window's energy is in line with its neighbours (not a negative or huge delta).
    const own = results.filter((r) => r.device === 'inv-0003');
    const i = own.findIndex((r) => r.counterResets > 0);
    const around = [own[i - 1]?.energyWh ?? 0, own[i + 1]?.energyWh ?? 0];
    expect(resets[0]?.energyWh).toBeGreaterThan(0.5 * Math.min(...around));
    expect(resets[0]?.energyWh).toBeLessThan(1.5 * Math.max(...around));
  });
});

describe('communication loss on the simulator, on a live processing clock', () => {
  it('a silent site is ONE site-level alert; a silent inverter is a device alert; both resolve when readings return', async () => {
    const db = await testDatabase();
    try {
      const everyone = ['inv-0001', 'inv-0002', 'inv-0003', 'inv-0004'].map(
        (device): FaultWindow => ({ device, fault: { type: 'comm-loss' }, fromHour: 12, toHour: 12.5 }),
      );
      const readings = simulatedSite({
        faults: [...everyone, { device: 'inv-0002', fault: { type: 'comm-loss' }, fromHour: 14, toHour: 14.4 }],
        fromHour: 11,
        toHour: 15,
      });
      let now = SIM_DAY + 11 * 3_600_000;
      const core = new ProcessorCore(coreOptions('live'), { pool: db.pool, logger: silent, now: () => now });
      await core.claim([0]);
      const transitions: AlertTransition[] = [];
      let offset = 0;
      let i = 0;
      for (let t = SIM_DAY + 11 * 3_600_000; t < SIM_DAY + 15 * 3_600_000; t += 10_000) {
        now = t + 500;
        const batch: { offset: string; value: string }[] = [];
        while (i < readings.length && Date.parse(readings[i]!.ts) <= t) {
          batch.push({ offset: String(offset++), value: JSON.stringify(readings[i++]) });
        }
        await core.process(0, batch);
        if ((t / 10_000) % 6 === 0) {
          core.tick();
          await core.flush();
          transitions.push(...(await core.checkCommLoss()));
        }
      }
      const lines = transitions.map(
        (t) => `${t.type} ${t.device ?? '(site)'} ${new Date(t.at).toISOString().slice(11, 16)}`,
      );
      expect(lines).toEqual([
        'open (site) 12:05',
        'resolve (site) 12:30',
        'open inv-0002 14:05',
        'resolve inv-0002 14:24',
      ]);
      const alerts = await listAlerts(db.pool, { rule: 'comm_loss' });
      expect(alerts.map((a) => [a.device, a.state])).toEqual([
        [null, 'resolved'],
        ['inv-0002', 'resolved'],
      ]);
    } finally {
      await db.close();
    }
  });
});
