/**
 * SunSpec register offsets written by hand from the SunSpec model definitions
 * (shared/data/sunspec model_1.json, model_101.json / model_103.json, model_160.json),
 * and a decoder that uses only them. The simulator and the edge agent share one codec
 * (common/src/sunspec), so a layout bug there would encode and decode the same wrong way
 * and every "decodes to the ground truth" test would still pass; tests compare against
 * this instead. It must never import the project's codec.
 *
 * Offsets count from the model's ID register (ID at +0, L at +1), as the SunSpec tables do.
 */

/** Model 1 (common): strings of 16/16/8/8/16 registers, then the device address. */
export const MODEL_1_BY_HAND = {
  L: 66,
  Mn: [2, 16],
  Md: [18, 16],
  Opt: [34, 8],
  Vr: [42, 8],
  SN: [50, 16],
  DA: 66,
} as const;

/** Models 101 (single phase) and 103 (three phase): the same 50 registers, point for point. */
export const INVERTER_BY_HAND = {
  L: 50,
  A: 2,
  A_SF: 6,
  PhVphA: 10,
  V_SF: 13,
  W: 14,
  W_SF: 15,
  Hz: 16,
  Hz_SF: 17,
  WH: 24, // acc32, two registers
  WH_SF: 26,
  DCA: 27,
  DCA_SF: 28,
  DCV: 29,
  DCV_SF: 30,
  DCW: 31,
  DCW_SF: 32,
  TmpCab: 33,
  TmpSnk: 34,
  Tmp_SF: 37,
  St: 38,
  Evt1: 40, // bitfield32, two registers
} as const;

/** Model 160 (multiple MPPT): 10 fixed registers, then N modules of 20 registers each. */
export const MPPT_BY_HAND = {
  DCA_SF: 2,
  DCV_SF: 3,
  DCW_SF: 4,
  N: 8,
  firstModule: 10,
  moduleSize: 20,
  module: { ID: 0, DCA: 9, DCV: 10, DCW: 11 },
} as const;

export type RegisterRead = (address: number, count: number) => Promise<number[]>;

/** One model block as read: its start address and registers from ID to the last point. */
export interface ModelBlock {
  id: number;
  address: number;
  regs: number[];
}

/** Reads the SunS marker at `base` and every model block up to the 0xFFFF end marker, in blocks of ≤ 125 registers. */
export async function readSunSpecByHand(read: RegisterRead, base: number): Promise<ModelBlock[]> {
  const readAll = async (address: number, count: number) => {
    const out: number[] = [];
    for (let at = 0; at < count; at += 125) out.push(...(await read(address + at, Math.min(125, count - at))));
    return out;
  };
  const marker = await readAll(base, 2);
  if (marker[0] !== 0x5375 || marker[1] !== 0x6e53) throw new Error(`no SunS marker at ${base}: ${marker}`);
  const blocks: ModelBlock[] = [];
  let address = base + 2;
  for (;;) {
    const [id, length] = (await readAll(address, 2)) as [number, number];
    if (id === 0xffff) return blocks;
    blocks.push({ id, address, regs: [id, length, ...(await readAll(address + 2, length))] });
    address += 2 + length;
    if (blocks.length > 50) throw new Error('no end marker after 50 models');
  }
}

const s16 = (v: number) => (v >= 0x8000 ? v - 0x10000 : v);
const at = (regs: readonly number[], i: number) => {
  const v = regs[i];
  if (v === undefined) throw new Error(`register +${i} is past the end of the block (${regs.length})`);
  return v;
};

/** value = raw × 10^sf; undefined for the "not implemented" sentinels (SunSpec: int16 0x8000, uint16 0xFFFF, sunssf 0x8000). */
function scaled(regs: readonly number[], i: number, sfAt: number, signed: boolean): number | undefined {
  const raw = at(regs, i);
  const sf = at(regs, sfAt);
  if (sf === 0x8000 || raw === (signed ? 0x8000 : 0xffff)) return undefined;
  const v = signed ? s16(raw) : raw;
  const e = s16(sf);
  return e < 0 ? v / 10 ** -e : v * 10 ** e;
}

function put(out: Record<string, number>, name: string, v: number | undefined): void {
  if (v !== undefined) out[name] = v;
}

/** Contract metrics of a model 101/103 block, by the offsets above. */
export function inverterMetricsByHand(regs: readonly number[]): Record<string, number> {
  const o = INVERTER_BY_HAND;
  const out: Record<string, number> = {};
  put(out, 'ac_power_w', scaled(regs, o.W, o.W_SF, true));
  const wh = at(regs, o.WH) * 0x10000 + at(regs, o.WH + 1);
  const whSf = at(regs, o.WH_SF);
  // acc32: 0 means not implemented.
  if (wh !== 0 && whSf !== 0x8000) out.ac_energy_wh = Math.round(wh * 10 ** s16(whSf));
  put(out, 'ac_current_a', scaled(regs, o.A, o.A_SF, false));
  put(out, 'ac_voltage_v', scaled(regs, o.PhVphA, o.V_SF, false));
  put(out, 'ac_frequency_hz', scaled(regs, o.Hz, o.Hz_SF, false));
  put(out, 'dc_power_w', scaled(regs, o.DCW, o.DCW_SF, true));
  put(out, 'dc_voltage_v', scaled(regs, o.DCV, o.DCV_SF, false));
  put(out, 'dc_current_a', scaled(regs, o.DCA, o.DCA_SF, false));
  put(out, 'temperature_c', scaled(regs, o.TmpCab, o.Tmp_SF, true));
  put(out, 'heatsink_temperature_c', scaled(regs, o.TmpSnk, o.Tmp_SF, true));
  const st = at(regs, o.St);
  if (st !== 0xffff) out.operating_state = st;
  const evt = at(regs, o.Evt1) * 0x10000 + at(regs, o.Evt1 + 1);
  if (evt !== 0xffffffff) out.events = evt;
  return out;
}

/** `mpptN_dc_*` metrics of a model 160 block, modules 1…N (N bounded by what L holds). */
export function mpptMetricsByHand(regs: readonly number[]): Record<string, number> {
  const o = MPPT_BY_HAND;
  const out: Record<string, number> = {};
  const room = Math.floor((at(regs, 1) + 2 - o.firstModule) / o.moduleSize);
  const n = Math.min(at(regs, o.N), room);
  for (let k = 0; k < n; k++) {
    const m = o.firstModule + k * o.moduleSize;
    put(out, `mppt${k + 1}_dc_power_w`, scaled(regs, m + o.module.DCW, o.DCW_SF, false));
    put(out, `mppt${k + 1}_dc_voltage_v`, scaled(regs, m + o.module.DCV, o.DCV_SF, false));
    put(out, `mppt${k + 1}_dc_current_a`, scaled(regs, m + o.module.DCA, o.DCA_SF, false));
  }
  return out;
}

/** Contract metrics of a device's blocks: its inverter model and model 160. */
export function metricsByHand(blocks: readonly ModelBlock[]): Record<string, number> {
  const inverter = blocks.find((b) => b.id === 101 || b.id === 102 || b.id === 103);
  const mppt = blocks.find((b) => b.id === 160);
  const out = {
    ...(inverter ? inverterMetricsByHand(inverter.regs) : {}),
    ...(mppt ? mpptMetricsByHand(mppt.regs) : {}),
  };
  if (out.dc_power_w === undefined && mppt) {
    const inputs = Object.entries(out).filter(([k]) => /^mppt\d+_dc_power_w$/.test(k));
    if (inputs.length > 0) out.dc_power_w = inputs.reduce((sum, [, v]) => sum + v, 0);
  }
  return out;
}

/** Model 1 strings (NUL-terminated or NUL-padded, Latin-1). */
export function identityByHand(
  regs: readonly number[],
): Record<'manufacturer' | 'model' | 'version' | 'serial', string> {
  const text = ([offset, size]: readonly [number, number]) => {
    const bytes = Buffer.from(regs.slice(offset, offset + size).flatMap((r) => [r >> 8, r & 0xff]));
    const end = bytes.indexOf(0);
    return bytes.subarray(0, end === -1 ? bytes.length : end).toString('latin1');
  };
  const o = MODEL_1_BY_HAND;
  return { manufacturer: text(o.Mn), model: text(o.Md), version: text(o.Vr), serial: text(o.SN) };
}
