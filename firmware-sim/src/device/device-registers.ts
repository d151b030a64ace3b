import type { ModelValues } from '@ysh/common/sunspec';
import type { DeviceSpec } from './device-spec.ts';
import { RegisterMap } from './register-map.ts';
import type { DeviceOutputs } from './device-outputs.ts';

/** Fixed scale factors the simulated inverters use (a real device picks its own; readers must apply them). */
export const INVERTER_SFS = {
  A_SF: -2,
  V_SF: -1,
  Hz_SF: -2,
  VA_SF: 0,
  VAr_SF: 0,
  PF_SF: -2,
  WH_SF: 0,
  DCA_SF: -2,
  DCV_SF: -1,
  DCW_SF: 0,
  Tmp_SF: -1,
} as const;

const SUNSPEC_EPOCH = Date.UTC(2000, 0, 1);
const BLOWN_FUSE = 2 ** 12;

/** The static part of a device's register map (identity, scale factors, nameplate); dynamic points start missing. */
export function buildRegisterMap(spec: DeviceSpec): RegisterMap {
  const wSf = spec.nameplateW > 32_000 ? 1 : 0;
  const blocks: { id: number; values: ModelValues }[] = [
    {
      id: 1,
      values: {
        Mn: spec.manufacturer,
        Md: spec.modelName,
        Opt: 'simulated',
        Vr: spec.version,
        SN: spec.serial,
        DA: spec.index,
      },
    },
    { id: spec.inverterModel, values: { ...INVERTER_SFS, W_SF: wSf } },
    {
      id: 160,
      values: {
        DCA_SF: -2,
        DCV_SF: -1,
        DCW_SF: 0,
        DCWH_SF: 0,
        module: Array.from({ length: spec.mppts }, (_, i) => ({ ID: i + 1, IDStr: `MPPT ${i + 1}` })),
      },
    },
  ];
  for (const extra of spec.extraModels) {
    if (extra === 120) {
      blocks.push({
        id: 120,
        values: {
          DERTyp: 4,
          WRtg: spec.nameplateW,
          WRtg_SF: wSf,
          VARtg: spec.nameplateW,
          VARtg_SF: wSf,
          VArRtgQ1: Math.round(spec.nameplateW * 0.044) * 10,
          VArRtgQ2: 0,
          VArRtgQ3: 0,
          VArRtgQ4: -Math.round(spec.nameplateW * 0.044) * 10,
          VArRtg_SF: wSf,
          ARtg: Math.round((spec.nameplateW / spec.gridVoltageV) * 100) / 100,
          ARtg_SF: -2,
          PFRtgQ1: 0.8,
          PFRtgQ2: 0,
          PFRtgQ3: 0,
          PFRtgQ4: -0.8,
          PFRtg_SF: -2,
        },
      });
    } else if (extra === 121) {
      blocks.push({
        id: 121,
        values: {
          WMax: spec.nameplateW,
          WMax_SF: wSf,
          VRef: spec.gridVoltageV,
          VRef_SF: 0,
          VRefOfs: 0,
          VRefOfs_SF: 0,
          ECPNomHz: spec.gridFrequencyHz,
          ECPNomHz_SF: -2,
        },
      });
    } else {
      blocks.push({ id: 122, values: { StorConn: 0, ECPConn: 1, TmSrc: 'RTC' } });
    }
  }
  return new RegisterMap(blocks);
}

/** Writes one step's outputs into the register map. */
export function writeOutputs(map: RegisterMap, spec: DeviceSpec, o: DeviceOutputs, t: number): void {
  const m = spec.inverterModel;
  const three = m === 103;
  const on = o.acW > 0;
  map.set(`${m}.A`, o.acA);
  map.set(`${m}.AphA`, three ? o.acA / 3 : o.acA);
  map.set(`${m}.AphB`, three ? o.acA / 3 : undefined);
  map.set(`${m}.AphC`, three ? o.acA / 3 : undefined);
  const vll = o.acV * Math.sqrt(3);
  map.set(`${m}.PPVphAB`, three ? vll : undefined);
  map.set(`${m}.PPVphBC`, three ? vll : undefined);
  map.set(`${m}.PPVphCA`, three ? vll : undefined);
  map.set(`${m}.PhVphA`, o.acV);
  map.set(`${m}.PhVphB`, three ? o.acV : undefined);
  map.set(`${m}.PhVphC`, three ? o.acV : undefined);
  map.set(`${m}.W`, o.acW);
  map.set(`${m}.Hz`, o.acHz);
  map.set(`${m}.VA`, o.acW);
  map.set(`${m}.VAr`, 0);
  map.set(`${m}.PF`, on ? 1 : undefined);
  map.set(`${m}.WH`, Math.floor(o.energyWh));
  map.set(`${m}.DCA`, o.dcA);
  map.set(`${m}.DCV`, o.dcV);
  map.set(`${m}.DCW`, o.dcW);
  map.set(`${m}.TmpCab`, o.cabinetC);
  map.set(`${m}.TmpSnk`, o.heatsinkC);
  map.set(`${m}.St`, o.state);
  map.set(`${m}.Evt1`, o.events);
  map.set(`${m}.Evt2`, 0);
  const tms = Math.floor((t - SUNSPEC_EPOCH) / 1000);
  // Model 160 Evt/DCEvt bit 12 = BLOWN_FUSE.
  map.set('160.Evt', o.mppt.some((x) => x.failed) ? BLOWN_FUSE : 0);
  o.mppt.forEach((x, i) => {
    const p = `160.module[${i}]`;
    map.set(`${p}.DCA`, x.a);
    map.set(`${p}.DCV`, x.v);
    map.set(`${p}.DCW`, x.w);
    map.set(`${p}.DCWH`, Math.floor(x.energyWh));
    map.set(`${p}.Tms`, tms);
    map.set(`${p}.Tmp`, o.moduleC);
    map.set(`${p}.DCSt`, x.failed ? 7 : o.state === 7 ? 8 : o.state);
    map.set(`${p}.DCEvt`, x.failed ? BLOWN_FUSE : 0);
  });
  if (map.has('122.PVConn')) {
    map.set('122.PVConn', 0b011 | (on ? 0b100 : 0));
    map.set('122.ECPConn', o.state === 7 ? 0 : 1);
    map.set('122.ActWh', Math.floor(o.energyWh));
    map.set('122.WAval', undefined);
    map.set('122.Tms', tms);
    map.set('122.StActCtl', o.state === 5 ? 1 : 0);
  }
}
