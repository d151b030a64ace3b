import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeModel, toContractMetrics } from '@ysh/common/sunspec';
import { spawnSimulator, type SpawnedSimulator } from '@ysh/firmware-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPythonModule, hasTool, inverterMetricsByHand } from '@ysh/test-helpers';

const run = promisify(execFile);
const PY = fileURLToPath(new URL('./pymodbus-read.py', import.meta.url));

interface Truth {
  metrics: Record<string, number>;
}

/** `mbpoll -1` prints "[40001]: \t21365" or "[40077]: \t65534 (-2)"; returns the unsigned values. */
function parseMbpoll(stdout: string): number[] {
  return [...stdout.matchAll(/^\[(\d+)\]:\s+(0x[0-9A-Fa-f]+|\d+)/gm)].map((m) => Number(m[2]));
}

function ascii(regs: number[]): string {
  const bytes = Buffer.from(regs.flatMap((r) => [r >> 8, r & 0xff]));
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('latin1');
}

describe.skipIf(!hasTool('mbpoll') && !hasPythonModule('pymodbus'))(
  'independent Modbus clients read `ysh sim --devices 50`',
  () => {
    let sim: SpawnedSimulator;
    const truth = async (id: string) => (await (await fetch(`${sim.controlUrl}/devices/${id}/truth`)).json()) as Truth;

    beforeAll(async () => {
      sim = await spawnSimulator([
        '--devices',
        '50',
        '--port',
        '0',
        '--control-port',
        '0',
        '--speed',
        '0',
        '--seed',
        '4',
        '--start',
        '2026-11-21T15:00:00Z',
      ]);
    });
    afterAll(async () => {
      await sim?.stop();
    });

    const mbpoll = async (unit: number, ref: number, count: number, type = '4') => {
      const { stdout } = await run('mbpoll', [
        '-m',
        'tcp',
        '-p',
        String(sim.ports[0]),
        '-a',
        String(unit),
        '-r',
        String(ref),
        '-c',
        String(count),
        '-t',
        type,
        '-1',
        '-o',
        '2',
        '127.0.0.1',
      ]);
      return parseMbpoll(stdout);
    };

    it.skipIf(!hasTool('mbpoll'))(
      'mbpoll reads SunS, model 1 strings and model 103 values equal to the ground truth',
      async () => {
        // mbpoll references are 1-based: register 40001 is address 40000.
        expect(await mbpoll(7, 40001, 2, '4:hex')).toEqual([0x5375, 0x6e53]);
        const common = await mbpoll(7, 40003, 68);
        expect(common.slice(0, 2)).toEqual([1, 66]);
        expect(ascii(common.slice(2, 18))).toBe('YSH Simulated');
        expect(ascii(common.slice(18, 34))).toBe('YSH-SIM-5K3');
        expect(ascii(common.slice(50, 66))).toBe('YSH00000007');
        const inverter = await mbpoll(7, 40071, 52);
        const decoded = decodeModel(inverter);
        expect(decoded.ok && decoded.model.id).toBe(103);
        if (!decoded.ok) return;
        const metrics = toContractMetrics([decoded.model]);
        const inverterTruth = Object.fromEntries(
          Object.entries((await truth('inv-0007')).metrics).filter(([k]) => !k.startsWith('mppt')),
        );
        expect(metrics).toEqual(inverterTruth);
        // Not only the shared codec: the same registers at SunSpec offsets written by hand.
        expect(inverter.slice(0, 2)).toEqual([103, 50]);
        expect(inverterMetricsByHand(inverter)).toEqual(inverterTruth);
        expect(metrics.ac_power_w).toBeGreaterThan(1000);
      },
    );

    it.skipIf(!hasTool('mbpoll'))('mbpoll gets "Illegal data address" past the end of the map', async () => {
      await expect(mbpoll(1, 40200, 10)).rejects.toMatchObject({
        stderr: expect.stringContaining('Illegal data address'),
      });
    });

    it.skipIf(!hasPythonModule('pymodbus'))(
      'pymodbus reads and decodes (its own decoder) models 1, 103 and 160 equal to the ground truth',
      async () => {
        const { stdout } = await run('/usr/bin/python3', [PY, '127.0.0.1', String(sim.ports[0]), '42', '40000']);
        const got = JSON.parse(stdout) as Record<string, number | string>;
        expect(got).toMatchObject({
          marker: 'SunS',
          Mn: 'YSH Simulated',
          SN: 'YSH00000042',
          Vr: '1.4.2',
          model: 103,
          length: 50,
          next_model: 160,
        });
        const t = (await truth('inv-0042')).metrics;
        const mppt = Object.keys(t).filter((k) => k.startsWith('mppt'));
        expect(mppt.length).toBeGreaterThanOrEqual(6);
        expect(
          Object.keys(got)
            .filter((k) => k.startsWith('mppt'))
            .sort(),
        ).toEqual(mppt.sort());
        for (const key of mppt) expect(got[key], key).toBeCloseTo(t[key]!, 6);
        for (const key of [
          'ac_current_a',
          'ac_voltage_v',
          'ac_power_w',
          'ac_frequency_hz',
          'ac_energy_wh',
          'dc_current_a',
          'dc_voltage_v',
          'dc_power_w',
          'temperature_c',
          'heatsink_temperature_c',
          'operating_state',
          'events',
        ]) {
          expect(got[key], key).toBeCloseTo(t[key]!, 6);
        }
        expect(got.operating_state).toBe(4);
      },
    );
  },
);
