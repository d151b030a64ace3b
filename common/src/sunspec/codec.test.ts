import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyScale, decodeModel, encodeModel, type ModelValues } from './codec.ts';
import { buildDeviceMap, decodeDeviceMap, parseModelChain } from './device-map.ts';
import { flattenLayout, layoutModel } from './layout.ts';
import { getModelDef, MODEL_DEFS, type GroupDef, type PointDef } from './model-def.ts';
import { rawRange, SCALABLE_TYPES } from './point-types.ts';
import { toContractMetrics } from './to-metrics.ts';

function offsets(id: number, total: number): Record<string, number> {
  const def = getModelDef(id)!;
  return Object.fromEntries(flattenLayout(layoutModel(def, total)).map((p) => [p.path, p.offset]));
}

describe('layout from point order and size', () => {
  it('places model 103 points where SunSpec documents them (L = 50, W at +14, WH at +24, St at +38)', () => {
    const o = offsets(103, 52);
    expect(o.W).toBe(14);
    expect(o.WH).toBe(24);
    expect(o.DCW).toBe(31);
    expect(o.St).toBe(38);
    expect(o.Evt1).toBe(40);
    expect(encodeModel(103, {}).length).toBe(52);
    expect(encodeModel(1, {}).length).toBe(68);
  });

  it('repeats model 160 modules of 20 registers after 10 fixed registers', () => {
    const o = offsets(160, 10 + 3 * 20);
    expect(o['module[0].ID']).toBe(10);
    expect(o['module[1].DCW']).toBe(30 + 11);
    expect(o['module[2].DCEvt']).toBe(50 + 18);
  });
});

describe('decoding with scale factors and sentinels', () => {
  it('applies value = raw × 10^sf and reads missing points as undefined', () => {
    const regs = encodeModel(103, {});
    regs[14] = 4520; // W
    regs[15] = 0; // W_SF
    regs[10] = 2214; // PhVphA
    regs[13] = 0xffff; // V_SF = -1
    regs[16] = 6001; // Hz
    regs[17] = 0xfffe; // Hz_SF = -2
    regs[24] = 0x0001;
    regs[25] = 0x1170; // WH = 70000
    regs[26] = 0;
    const r = decodeModel(regs);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.model.values;
    expect(v.W).toBe(4520);
    expect(v.PhVphA).toBe(221.4);
    expect(v.Hz).toBe(60.01);
    expect(v.WH).toBe(70000);
    // Sentinels: int16 0x8000, uint16 0xFFFF, acc32 0, sunssf 0x8000 → missing.
    expect(v.DCW).toBeUndefined();
    expect(v.A).toBeUndefined();
    expect(v.St).toBeUndefined();
    expect(v.Evt1).toBeUndefined();
    regs[26] = 0x8000; // WH_SF not implemented → WH cannot be scaled
    const r2 = decodeModel(regs);
    expect(r2.ok && r2.model.values.WH).toBeUndefined();
  });

  it('decodes model 1 strings and stops at the end marker', () => {
    const map = buildDeviceMap([
      { id: 1, values: { Mn: 'YSH', Md: 'SIM-5K', SN: 'SN-000001', Vr: '1.2.3', DA: 1 } },
      { id: 103, values: { W: 10, W_SF: 0 } },
    ]);
    const chain = parseModelChain(map);
    expect(chain.complete).toBe(true);
    expect(chain.entries.map((e) => [e.id, e.offset, e.length])).toEqual([
      [1, 2, 66],
      [103, 70, 50],
    ]);
    const { models } = decodeDeviceMap(map);
    expect(models[0]?.values.Mn).toBe('YSH');
    expect(models[0]?.values.SN).toBe('SN-000001');
    expect(models[0]?.values.Opt).toBeUndefined();
  });

  it('counts model 160 modules with N, within the model length', () => {
    const regs = encodeModel(160, { DCW_SF: 0, module: [{ DCW: 1 }, { DCW: 2 }, { DCW: 3 }] });
    regs[8] = 2; // N says 2 modules although L has room for 3
    const two = decodeModel(regs);
    expect(two.ok && (two.model.values.module as ModelValues[]).map((m) => m.DCW)).toEqual([1, 2]);
    regs[8] = 9; // N larger than L allows: only what L holds
    const three = decodeModel(regs);
    expect(three.ok && (three.model.values.module as ModelValues[]).length).toBe(3);
  });

  it('lists unknown models instead of decoding them', () => {
    const map = buildDeviceMap([new Uint16Array([64000, 2, 7, 7]), { id: 103, values: {} }]);
    const { models, unknown } = decodeDeviceMap(map);
    expect(unknown.map((u) => u.id)).toEqual([64000]);
    expect(models.map((m) => m.id)).toEqual([103]);
  });

  it('names the point when a value does not fit', () => {
    expect(() => encodeModel(103, { W: 40000, W_SF: 0 })).toThrow(/model 103 point W:/);
    expect(() => encodeModel(1, { Mn: 'x'.repeat(40) })).toThrow(/point Mn/);
  });
});

describe('contract metrics', () => {
  it('maps 103 and 160 to v1 names, leaving missing points out', () => {
    const map = buildDeviceMap([
      { id: 103, values: { W: 3210.5, W_SF: -1, WH: 18234567, WH_SF: 0, St: 4, Evt1: 0x80, TmpCab: 47.2, Tmp_SF: -1 } },
      {
        id: 160,
        values: {
          DCA_SF: -2,
          DCV_SF: -1,
          DCW_SF: 0,
          module: [
            { ID: 1, DCA: 7.69, DCV: 612.3, DCW: 2400 },
            { ID: 2, DCA: 7.5, DCV: 600, DCW: 2310 },
          ],
        },
      },
    ]);
    const m = toContractMetrics(decodeDeviceMap(map).models);
    expect(m).toEqual({
      ac_power_w: 3210.5,
      ac_energy_wh: 18234567,
      temperature_c: 47.2,
      operating_state: 4,
      events: 0x80,
      mppt1_dc_power_w: 2400,
      mppt1_dc_voltage_v: 612.3,
      mppt1_dc_current_a: 7.69,
      mppt2_dc_power_w: 2310,
      mppt2_dc_voltage_v: 600,
      mppt2_dc_current_a: 7.5,
      dc_power_w: 4710,
    });
  });
});

/** Arbitrary values for a group, quantized so that encode → decode must give them back exactly. */
function groupValues(group: GroupDef, sfs: Record<string, number>, top: boolean): fc.Arbitrary<ModelValues> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of group.points ?? []) {
    if (top && (p.name === 'ID' || p.name === 'L')) continue;
    fields[p.name] = pointArb(p, sfs);
  }
  for (const g of group.groups ?? []) {
    fields[g.name] = fc.array(groupValues(g, sfs, false), { maxLength: 4 });
  }
  return fc.record(fields) as fc.Arbitrary<ModelValues>;
}

function pointArb(p: PointDef, sfs: Record<string, number>): fc.Arbitrary<unknown> {
  const missing = fc.constant(undefined);
  switch (p.type) {
    case 'pad':
    case 'count':
      return missing;
    case 'sunssf':
      return fc.constant(sfs[p.name] ?? 0);
    case 'string':
      return fc.oneof(missing, fc.stringMatching(new RegExp(`^[A-Za-z0-9._-]{1,${p.size * 2}}$`)));
    case 'float32':
      return fc.oneof(missing, fc.integer({ min: -1_000_000, max: 1_000_000 }));
    case 'float64':
      return fc.oneof(missing, fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'ipaddr':
      return fc.oneof(missing, fc.ipV4());
    case 'ipv6addr':
    case 'eui48':
      return missing;
    default: {
      const [lo, hi] = rawRange(p.type) ?? [0, 0];
      const raw = fc.integer({ min: Math.max(lo, -(2 ** 40)), max: Math.min(hi, 2 ** 40) });
      const sf = typeof p.sf === 'number' ? p.sf : p.sf ? sfs[p.sf] : 0;
      if (!SCALABLE_TYPES.has(p.type) || sf === undefined) return fc.oneof(missing, raw);
      return fc.oneof(
        missing,
        raw.map((r) => applyScale(r, sf)),
      );
    }
  }
}

function withCounts(group: GroupDef, values: ModelValues, id: number | undefined, total: number): ModelValues {
  const out: ModelValues = { ...values };
  if (id !== undefined) {
    out.ID = id;
    out.L = total - 2;
  }
  for (const p of group.points ?? []) {
    if (p.type === 'count') {
      const rep = (group.groups ?? []).find((g) => g.count === 0);
      out[p.name] = rep ? (values[rep.name] as ModelValues[]).length : 0;
    }
  }
  for (const g of group.groups ?? []) {
    const inst = (values[g.name] as ModelValues[] | undefined) ?? [];
    out[g.name] = inst.map((v) => withCounts(g, v, undefined, 0));
  }
  return out;
}

describe('property: encode → decode round-trips', () => {
  for (const id of [1, 101, 103, 120, 121, 122, 160]) {
    it(`model ${id}`, () => {
      const def = MODEL_DEFS.get(id)!;
      const sfNames = flattenLayout(layoutModel(def, 10_000))
        .filter((p) => p.def.type === 'sunssf')
        .map((p) => p.def.name);
      fc.assert(
        fc.property(
          fc.tuple(...sfNames.map(() => fc.integer({ min: -3, max: 3 }))).chain((vals) => {
            const sfs = Object.fromEntries(sfNames.map((n, i) => [n, vals[i] ?? 0]));
            return groupValues(def.group, sfs, true);
          }),
          (values) => {
            const regs = encodeModel(id, values);
            const decoded = decodeModel(regs);
            expect(decoded.ok).toBe(true);
            if (!decoded.ok) return;
            expect(decoded.model.values).toEqual(withCounts(def.group, values, id, regs.length));
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});

describe('property: the decoder never throws on arbitrary registers', () => {
  const u16 = fc.integer({ min: 0, max: 0xffff });
  it('decodeModel on random blocks with a known model id', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODEL_DEFS.keys()), fc.array(u16, { maxLength: 400 }), (id, body) => {
        const regs = [id, ...body];
        const r = decodeModel(regs);
        if (r.ok) expect(r.model.id).toBe(id);
        else expect(['short', 'truncated']).toContain(r.reason);
      }),
      { numRuns: 500 },
    );
  });

  it('decodeDeviceMap on random maps after SunS', () => {
    // Segments that start with plausible model headers so the walk reaches the decoders.
    const segment = fc.tuple(fc.constantFrom(...MODEL_DEFS.keys(), 64000), u16, fc.array(u16, { maxLength: 120 }));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), fc.array(u16, { maxLength: 100 }), (segments, tail) => {
        const body = segments.flatMap(([id, len, rest]) => [id, len % 130, ...rest]);
        const regs = [0x5375, 0x6e53, ...body, ...tail];
        const r = decodeDeviceMap(regs);
        expect(Array.isArray(r.models)).toBe(true);
        toContractMetrics(r.models);
      }),
      { numRuns: 500 },
    );
  });
});
