import { EVENT_BITS, mpptMetric, OPERATING_STATE } from '@ysh/common';
import { faultKey, type Fault, type FaultType, type GridFaultKind } from '../faults.ts';
import { arrayDcPowerW, inverterEfficiency, moduleTemperatureC, stringVoltageV } from '../physics/inverter.ts';
import { planeOfArray, sunVector } from '../physics/sun.ts';
import { SiteWeather } from '../physics/weather.ts';
import { Rng } from '../rng.ts';
import type { DeviceSpec } from './device-spec.ts';
import { buildRegisterMap, writeOutputs } from './device-registers.ts';
import type { DeviceOutputs } from './device-outputs.ts';
import type { RegisterMap } from './register-map.ts';

export interface DeviceTruth {
  device: string;
  site: string;
  protocol: DeviceSpec['protocol'];
  /** Simulated time of the step these values belong to. */
  ts: string;
  /** Contract v1 metrics, quantized exactly as the registers carry them. */
  metrics: Record<string, number>;
  /** Environment, for physics checks. */
  environment: { poaWm2: number; ambientC: number; moduleC: number; energyWhExact: number };
  faults: Fault[];
  /** True while `frozen-values` holds the served registers still. */
  frozen: boolean;
}

interface Scheduled {
  at: number;
  seq: number;
  apply: () => void;
}

const bit = (n: number) => 2 ** n;

const GRID_KIND_BITS: Record<GridFaultKind, number> = {
  disconnect: bit(EVENT_BITS.GRID_DISCONNECT) + bit(EVENT_BITS.AC_DISCONNECT),
  undervoltage: bit(EVENT_BITS.GRID_DISCONNECT) + bit(EVENT_BITS.AC_UNDER_VOLT),
  overvoltage: bit(EVENT_BITS.GRID_DISCONNECT) + bit(EVENT_BITS.AC_OVER_VOLT),
  underfrequency: bit(EVENT_BITS.GRID_DISCONNECT) + bit(EVENT_BITS.UNDER_FREQUENCY),
  overfrequency: bit(EVENT_BITS.GRID_DISCONNECT) + bit(EVENT_BITS.OVER_FREQUENCY),
};

/**
 * One simulated inverter. Its state is a pure function of (seed, spec, step
 * index, scheduled faults): steps of `stepMs` simulated milliseconds are
 * computed lazily, in order, whenever someone looks at the device, so two runs
 * with the same seed produce the same register stream however they are polled.
 */
export class SimulatedDevice {
  readonly map: RegisterMap;
  /** Modbus address, set by the simulator. */
  address: { port: number; unitId: number } | undefined;
  private served: Uint16Array;
  private step = 0;
  private readonly weather: SiteWeather;
  private readonly noise: Rng;
  private kc = 1;
  private vDev = 0;
  private hzDev = 0;
  private ambNoise = 0;
  private energyWh: number;
  private readonly mpptEnergyWh: number[];
  private outputs!: DeviceOutputs;
  private readonly faults = new Map<string, Fault>();
  private readonly scheduled: Scheduled[] = [];
  private scheduleSeq = 0;
  /** Called after each step (determinism tests record the register stream). */
  onStep: ((device: SimulatedDevice, stepIndex: number) => void) | undefined;

  constructor(
    readonly spec: DeviceSpec,
    readonly seed: number,
    readonly t0: number,
    readonly stepMs: number,
  ) {
    const s = spec.site;
    this.weather = new SiteWeather(seed, s.id, s.weather, s.ambientMeanC, s.lonDeg);
    this.noise = Rng.derive(seed, `device:${spec.id}`);
    this.energyWh = spec.initialEnergyWh ?? Math.floor(this.noise.range(2_000_000, 20_000_000));
    this.mpptEnergyWh = Array.from({ length: spec.mppts }, () => this.energyWh / spec.mppts);
    this.map = buildRegisterMap(spec);
    this.served = this.map.regs;
    this.advanceNoise(t0, 0);
    this.compute(t0);
    writeOutputs(this.map, spec, this.outputs, t0);
  }

  get stepIndex(): number {
    return this.step;
  }

  get stepTime(): number {
    return this.t0 + this.step * this.stepMs;
  }

  /** Computes every step up to simulated time `now`. */
  advanceTo(now: number): void {
    const target = Math.floor((now - this.t0) / this.stepMs);
    while (this.step < target) {
      this.step++;
      const t = this.t0 + this.step * this.stepMs;
      this.runScheduled(t);
      this.advanceNoise(t, this.stepMs);
      this.compute(t);
      this.integrate(this.stepMs);
      writeOutputs(this.map, this.spec, this.outputs, t + this.skewMs());
      this.onStep?.(this, this.step);
    }
  }

  /** Registers as served now (from `SunS`), frozen or not. */
  registers(now: number): Uint16Array {
    this.advanceTo(now);
    return this.served;
  }

  current(now: number): DeviceOutputs {
    this.advanceTo(now);
    return this.outputs;
  }

  hasFault(type: FaultType): Fault | undefined {
    return this.faults.get(type);
  }

  activeFaults(): Fault[] {
    return [...this.faults.values()];
  }

  /** Applies a fault at simulated time `now` (after catching up to it). */
  inject(fault: Fault, now: number): void {
    this.advanceTo(now);
    this.applyFault(fault);
    this.refresh();
  }

  clear(type: FaultType | 'all', now: number, mppt?: number): boolean {
    this.advanceTo(now);
    const had = this.clearFault(type, mppt);
    this.refresh();
    return had;
  }

  /** Scheduled (scenario) changes run exactly at their simulated time, inside the step sequence. */
  schedule(at: number, apply: (device: SimulatedDevice) => void): void {
    this.scheduled.push({ at, seq: this.scheduleSeq++, apply: () => apply(this) });
    this.scheduled.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  applyFault(fault: Fault): void {
    if (fault.type === 'energy-reset') {
      this.energyWh = 0;
      this.mpptEnergyWh.fill(0);
      return;
    }
    this.faults.set(faultKey(fault), fault);
    if (fault.type === 'frozen-values') this.served = this.map.regs.slice();
  }

  clearFault(type: FaultType | 'all', mppt?: number): boolean {
    let had = false;
    for (const [key, f] of [...this.faults]) {
      const match =
        type === 'all' || (f.type === type && (mppt === undefined || f.type !== 'mppt-failure' || f.mppt === mppt));
      if (!match) continue;
      this.faults.delete(key);
      had = true;
    }
    if (!this.faults.has('frozen-values')) this.served = this.map.regs;
    return had;
  }

  /** The device's own clock error (`clock-skew`): MQTT timestamps and the Tms registers carry it. */
  skewMs(): number {
    const f = this.faults.get('clock-skew');
    return f?.type === 'clock-skew' ? f.skewMs : 0;
  }

  private refresh(): void {
    this.compute(this.stepTime);
    writeOutputs(this.map, this.spec, this.outputs, this.stepTime + this.skewMs());
  }

  private runScheduled(t: number): void {
    while (this.scheduled.length > 0 && (this.scheduled[0]?.at ?? Number.POSITIVE_INFINITY) <= t) {
      this.scheduled.shift()?.apply();
    }
  }

  /** The stochastic part of a step (clouds, grid noise); everything else is deterministic given it. */
  private advanceNoise(t: number, dtMs: number): void {
    this.kc = this.weather.step(t, dtMs);
    const r = this.noise;
    this.vDev += -0.2 * this.vDev + 0.5 * r.normal();
    this.hzDev += -0.3 * this.hzDev + 0.006 * r.normal();
    this.ambNoise += -0.1 * this.ambNoise + 0.05 * r.normal();
  }

  private integrate(dtMs: number): void {
    const h = dtMs / 3_600_000;
    this.energyWh += this.outputs.acW * h;
    this.outputs.mppt.forEach((m, i) => {
      this.mpptEnergyWh[i] = (this.mpptEnergyWh[i] ?? 0) + m.w * h;
    });
    this.outputs.energyWh = this.energyWh;
    this.outputs.mppt.forEach((m, i) => {
      m.energyWh = this.mpptEnergyWh[i] ?? 0;
    });
  }

  private compute(t: number): void {
    const spec = this.spec;
    const site = spec.site;
    const sun = sunVector(t, site.latDeg, site.lonDeg);
    const poa = planeOfArray(sun, { tiltDeg: site.tiltDeg, azimuthDeg: site.azimuthDeg }, this.kc);
    const ambientC = this.weather.ambientC(t) + this.ambNoise;
    const moduleC = moduleTemperatureC(ambientC, poa);
    const failed = new Set<number>();
    for (const f of this.faults.values()) if (f.type === 'mppt-failure') failed.add(f.mppt);
    const wpEach = spec.dcWp / spec.mppts;
    const mppt = Array.from({ length: spec.mppts }, (_, i) => {
      const broken = failed.has(i + 1);
      const w = broken ? 0 : arrayDcPowerW(wpEach, poa, moduleC);
      const v = broken ? 0 : stringVoltageV(spec.stringVmpV, poa, moduleC);
      return { w, v, a: 0, energyWh: this.mpptEnergyWh[i] ?? 0, failed: broken };
    });
    const available = mppt.reduce((n, m) => n + m.w, 0);
    const grid = this.faults.get('grid-fault');
    const overTemp = this.faults.get('over-temperature');
    let events = failed.size > 0 ? bit(EVENT_BITS.BLOWN_STRING_FUSE) : 0;
    let acV = spec.gridVoltageV + this.vDev;
    let acHz = spec.gridFrequencyHz + this.hzDev;
    let state: number;
    let acW = 0;
    let dcUsed = 0;
    if (grid?.type === 'grid-fault') {
      state = OPERATING_STATE.FAULT;
      events |= GRID_KIND_BITS[grid.kind];
      if (grid.kind === 'disconnect') [acV, acHz] = [0, 0];
      if (grid.kind === 'undervoltage') acV = spec.gridVoltageV * 0.78;
      if (grid.kind === 'overvoltage') acV = spec.gridVoltageV * 1.15;
      if (grid.kind === 'underfrequency') acHz = spec.gridFrequencyHz - 2.5;
      if (grid.kind === 'overfrequency') acHz = spec.gridFrequencyHz + 2.5;
    } else if (available < spec.nameplateW * 0.004) {
      state = OPERATING_STATE.SLEEPING;
    } else {
      const limit = spec.nameplateW * (overTemp?.type === 'over-temperature' ? overTemp.deratePct / 100 : 1);
      acW = available * inverterEfficiency(available, spec.nameplateW);
      dcUsed = available;
      state = overTemp ? OPERATING_STATE.THROTTLED : OPERATING_STATE.MPPT;
      if (acW > limit) {
        // Clipping / derating: the inverter moves off the MPP to the DC power that gives `limit`.
        acW = limit;
        dcUsed = limit / Math.max(inverterEfficiency(limit / 0.96, spec.nameplateW), 0.5);
      }
    }
    if (overTemp) events |= bit(EVENT_BITS.OVER_TEMP);
    const share = available > 0 ? dcUsed / available : 0;
    for (const m of mppt) {
      m.w *= share;
      if (share < 1 && share > 0) m.v *= 1 + 0.08 * (1 - share);
      if (dcUsed === 0 && !m.failed && poa >= 5) m.v *= 1.18; // open circuit: no current drawn
      m.a = m.v > 0 ? m.w / m.v : 0;
    }
    const dcW = mppt.reduce((n, m) => n + m.w, 0);
    const dcA = mppt.reduce((n, m) => n + m.a, 0);
    const live = mppt.filter((m) => m.v > 0);
    const dcV = live.length > 0 ? live.reduce((n, m) => n + m.v, 0) / live.length : 0;
    const load = acW / spec.nameplateW;
    this.outputs = {
      state,
      events,
      acW,
      acV,
      acHz,
      acA: acV > 0 ? acW / acV : 0,
      dcW,
      dcV,
      dcA,
      cabinetC: overTemp ? ambientC + 18 : ambientC + 3 + 8 * load,
      heatsinkC: overTemp?.type === 'over-temperature' ? overTemp.heatsinkC + this.ambNoise : ambientC + 2 + 30 * load,
      moduleC,
      ambientC,
      poaWm2: poa,
      energyWh: this.energyWh,
      mppt,
    };
  }

  /** Ground truth: the device's true current values in contract metric names and units. */
  truth(now: number): DeviceTruth {
    this.advanceTo(now);
    const o = this.outputs;
    const m = this.spec.inverterModel;
    const q = (point: string, v: number) => this.map.quantize(`${m}.${point}`, v);
    const metrics: Record<string, number> = {
      ac_power_w: q('W', o.acW),
      ac_energy_wh: Math.floor(o.energyWh),
      ac_current_a: q('A', o.acA),
      ac_voltage_v: q('PhVphA', o.acV),
      ac_frequency_hz: q('Hz', o.acHz),
      dc_power_w: q('DCW', o.dcW),
      dc_voltage_v: q('DCV', o.dcV),
      dc_current_a: q('DCA', o.dcA),
      temperature_c: q('TmpCab', o.cabinetC),
      heatsink_temperature_c: q('TmpSnk', o.heatsinkC),
      operating_state: o.state,
      events: o.events,
    };
    o.mppt.forEach((mp, i) => {
      metrics[mpptMetric(i + 1, 'power_w')] = this.map.quantize(`160.module[${i}].DCW`, mp.w);
      metrics[mpptMetric(i + 1, 'voltage_v')] = this.map.quantize(`160.module[${i}].DCV`, mp.v);
      metrics[mpptMetric(i + 1, 'current_a')] = this.map.quantize(`160.module[${i}].DCA`, mp.a);
    });
    return {
      device: this.spec.id,
      site: this.spec.site.id,
      protocol: this.spec.protocol,
      ts: new Date(this.stepTime).toISOString(),
      metrics,
      environment: { poaWm2: o.poaWm2, ambientC: o.ambientC, moduleC: o.moduleC, energyWhExact: o.energyWh },
      faults: this.activeFaults(),
      frozen: this.faults.has('frozen-values'),
    };
  }
}
