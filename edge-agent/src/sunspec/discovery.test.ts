import { describe, expect, it } from 'vitest';
import { buildDeviceMap, encodeModel } from '@ysh/common/sunspec';
import { inverterMetricsByHand } from '@ysh/test-helpers';
import { ModbusExceptionError } from '../errors.ts';
import { discoverSunSpec } from './discovery.ts';
import { assemble, planReads } from './read-plan.ts';

/** A register space holding a codec-encoded map at `base`; reads outside it answer "illegal address". */
function space(base: number, map: Uint16Array) {
  const reads: [number, number][] = [];
  const read = async (address: number, length: number) => {
    reads.push([address, length]);
    if (address < base || address + length > base + map.length) throw new ModbusExceptionError('illegal address', 2);
    return Array.from(map.subarray(address - base, address - base + length));
  };
  return { read, reads };
}

const common = { Mn: 'Acme', Md: 'X1', SN: 'SN1', Vr: '1.0', DA: 1 };
const inverter = {
  A: 10,
  A_SF: -1,
  PhVphA: 230,
  V_SF: -1,
  W: 2300,
  W_SF: 0,
  Hz: 60,
  Hz_SF: -2,
  WH: 123456,
  WH_SF: 0,
  St: 4,
};

describe('SunSpec discovery', () => {
  it('probes 40000, 0 then 50000 and skips unknown models in the chain', async () => {
    const vendor = new Uint16Array(2 + 20);
    vendor[0] = 64001; // a vendor model the codec does not know
    vendor[1] = 20;
    const map = buildDeviceMap([{ id: 1, values: common }, vendor, { id: 103, values: inverter }]);
    const { read, reads } = space(50000, map);
    const d = await discoverSunSpec(read);
    expect(d.base).toBe(50000);
    expect(reads.slice(0, 3).map(([a]) => a)).toEqual([40000, 0, 50000]);
    expect(d.chain.map((m) => [m.id, m.known])).toEqual([
      [1, true],
      [64001, false],
      [103, true],
    ]);
    expect(d.identity).toMatchObject({ manufacturer: 'Acme', model: 'X1', serial: 'SN1' });
    expect(d.polled.map((m) => m.id)).toEqual([103]);
    // Addresses by hand: SunS (2), model 1 at +2 (L 66), the vendor model at +70 (L 20), 103 at +92 (L 50).
    expect(d.chain.map((m) => [m.address - 50000, m.length])).toEqual([
      [2, 66],
      [70, 20],
      [92, 50],
    ]);
    expect(d.polled).toEqual([{ id: 103, address: 50092, size: 52 }]);
  });

  it('fails with a typed error when there is no SunS marker', async () => {
    const { read } = space(40000, new Uint16Array(10));
    await expect(discoverSunSpec(read)).rejects.toMatchObject({ code: 'EDGE_SUNSPEC_NOT_FOUND' });
  });
});

describe('read plan', () => {
  it('coalesces neighbouring models into one read within 125 registers', () => {
    expect(
      planReads([
        { id: 103, address: 40070, size: 52 },
        { id: 160, address: 40122, size: 50 },
      ]),
    ).toEqual([{ address: 40070, length: 102 }]);
  });

  it('splits what does not fit and reassembles a model from several reads', () => {
    const reads = planReads(
      [
        { id: 103, address: 100, size: 52 },
        { id: 160, address: 152, size: 130 },
      ],
      125,
    );
    expect(reads.every((r) => r.length <= 125)).toBe(true);
    expect(reads.reduce((n, r) => n + r.length, 0)).toBe(182);
    const data = reads.map((r) => Array.from({ length: r.length }, (_, i) => r.address + i));
    const regs = assemble(reads, data, 152, 130);
    expect(regs?.[0]).toBe(152);
    expect(regs?.[129]).toBe(281);
  });

  it('decodes the same values from a coalesced read as from the codec', () => {
    const map = buildDeviceMap([
      { id: 1, values: common },
      { id: 103, values: inverter },
    ]);
    const block = encodeModel(103, inverter);
    expect(Array.from(map.subarray(2 + 68, 2 + 68 + block.length))).toEqual(Array.from(block));
    // And those registers hold the values at the offsets of the SunSpec table, written by hand.
    expect(inverterMetricsByHand(Array.from(block))).toEqual({
      ac_current_a: 10,
      ac_voltage_v: 230,
      ac_power_w: 2300,
      ac_frequency_hz: 60,
      ac_energy_wh: 123456,
      operating_state: 4,
    });
  });
});
