import { OPERATING_STATE, type Reading } from '@ysh/common';
import { addEnergyPoint, emptyEnergy, energyOf, type EnergyPoints } from './energy.ts';
import {
  addSample,
  emptyStats,
  meanOf,
  readStoredStat,
  sampleCount,
  STAT_SIZE,
  storedStat,
  summarize,
  type StatSummary,
  type StoredStat,
} from './running-stat.ts';
import { addSeq, type SeqSet } from '../windows/seq-set.ts';

/** Metrics summarized as mean/min/max/stddev in every window. */
export const STAT_FIELDS = ['ac_power_w', 'dc_power_w', 'temperature_c', 'ac_voltage_v', 'dc_voltage_v'] as const;
export type StatField = (typeof STAT_FIELDS)[number];
/** Offset of a summarized metric's statistic in a window's `stats` (STAT_FIELDS order). */
const offsetOf = (field: StatField): number => STAT_FIELDS.indexOf(field) * STAT_SIZE;
const AC_POWER = offsetOf('ac_power_w');
const DC_POWER = offsetOf('dc_power_w');
const TEMPERATURE = offsetOf('temperature_c');
const AC_VOLTAGE = offsetOf('ac_voltage_v');
const DC_VOLTAGE = offsetOf('dc_voltage_v');

const MPPT_POWER = /^mppt(\d{1,2})_dc_power_w$/;
/** MPPT input index of a metric name (undefined: not an MPPT power), remembered per name: no match per reading. */
const mpptIndexOf = new Map<string, string | undefined>();
function mpptIndex(key: string): string | undefined {
  if (mpptIndexOf.has(key)) return mpptIndexOf.get(key);
  const index = MPPT_POWER.exec(key)?.[1];
  // Metric names come from the contract's schema; the bound only guards against a peer inventing many.
  if (mpptIndexOf.size < 1000) mpptIndexOf.set(key, index);
  return index;
}

/**
 * Mergeable state of one (device, window). Plain JSON-able data so it can be
 * checkpointed and stored beside the result it produced.
 */
export interface WindowAcc {
  start: number;
  seqs: SeqSet;
  samples: number;
  /** Running statistics of the STAT_FIELDS, in their order, `STAT_SIZE` numbers each (see running-stat.ts). */
  stats: number[];
  energy: EnergyPoints;
  /** Per MPPT input index: running statistic of its DC power. */
  mppt: Record<string, number[]>;
  faultSamples: number;
  throttledSamples: number;
  eventsMask: number;
  lastTs: number;
  lastState: number | null;
  /** -1 while never emitted; 0 for the first result; each correction adds 1. */
  revision: number;
  /**
   * Energy between the device's previous reading (in the window before) and this window's first one:
   * the interval that straddles the boundary belongs to the window it ends in.
   */
  carryWh: number;
  /** Event time of that previous reading; null when there is no carry. */
  carryFromTs: number | null;
}

export function emptyWindow(start: number): WindowAcc {
  return {
    start,
    seqs: [],
    samples: 0,
    stats: emptyStats(STAT_FIELDS.length),
    energy: emptyEnergy(),
    mppt: {},
    faultSamples: 0,
    throttledSamples: 0,
    eventsMask: 0,
    lastTs: Number.NEGATIVE_INFINITY,
    lastState: null,
    revision: -1,
    carryWh: 0,
    carryFromTs: null,
  };
}

/** Adds one reading; false when its seq was already counted (a duplicate delivery). */
export function addReading(acc: WindowAcc, reading: Reading, ts: number): boolean {
  if (!addSeq(acc.seqs, reading.seq)) return false;
  acc.samples += 1;
  const m = reading.metrics;
  // The STAT_FIELDS one by one: named reads of a reading's metrics are the hot path of the processor.
  const { stats } = acc;
  if (typeof m.ac_power_w === 'number') addSample(stats, AC_POWER, m.ac_power_w);
  if (typeof m.dc_power_w === 'number') addSample(stats, DC_POWER, m.dc_power_w);
  if (typeof m.temperature_c === 'number') addSample(stats, TEMPERATURE, m.temperature_c);
  if (typeof m.ac_voltage_v === 'number') addSample(stats, AC_VOLTAGE, m.ac_voltage_v);
  if (typeof m.dc_voltage_v === 'number') addSample(stats, DC_VOLTAGE, m.dc_voltage_v);
  const wh = m.ac_energy_wh;
  if (typeof wh === 'number') addEnergyPoint(acc.energy, ts, wh);
  for (const key in m) {
    if (key.charCodeAt(0) !== 109 /* m */ || !key.startsWith('mppt')) continue;
    const v = m[key];
    if (typeof v !== 'number') continue;
    const index = mpptIndex(key);
    if (index === undefined) continue;
    let stat = acc.mppt[index];
    if (!stat) {
      stat = emptyStats(1);
      acc.mppt[index] = stat;
    }
    addSample(stat, 0, v);
  }
  const st = m.operating_state;
  if (st === OPERATING_STATE.FAULT) acc.faultSamples += 1;
  if (st === OPERATING_STATE.THROTTLED) acc.throttledSamples += 1;
  if (typeof m.events === 'number') acc.eventsMask = (acc.eventsMask | m.events) >>> 0;
  if (ts >= acc.lastTs && typeof st === 'number') {
    acc.lastTs = ts;
    acc.lastState = st;
  } else if (ts > acc.lastTs) acc.lastTs = ts;
  return true;
}

/** The aggregate of one (device, window) as written to the sinks. */
export interface WindowResult {
  site: string;
  device: string;
  windowStart: number;
  windowEnd: number;
  /** 0 for the first result of the window; n for its n-th correction. */
  revision: number;
  samples: number;
  expected: number;
  /** samples ÷ expected, capped at 1. */
  availability: number;
  stats: Record<StatField, StatSummary | null>;
  energyWh: number | null;
  counterResets: number;
  /** Mean DC power per MPPT input index. */
  mpptPower: Record<string, number>;
  faultSamples: number;
  throttledSamples: number;
  eventsMask: number;
  lastState: number | null;
}

export function windowResult(
  site: string,
  device: string,
  acc: WindowAcc,
  sizeMs: number,
  expectedIntervalMs: number,
): WindowResult {
  const expected = Math.max(1, Math.round(sizeMs / expectedIntervalMs));
  const energy = energyOf(acc.energy);
  const mpptPower: Record<string, number> = {};
  for (const index in acc.mppt) {
    const stat = acc.mppt[index] as number[];
    if (sampleCount(stat, 0) > 0) mpptPower[index] = meanOf(stat, 0);
  }
  return {
    site,
    device,
    windowStart: acc.start,
    windowEnd: acc.start + sizeMs,
    revision: Math.max(0, acc.revision),
    samples: acc.samples,
    expected,
    availability: Math.min(1, acc.samples / expected),
    stats: {
      ac_power_w: summarize(acc.stats, AC_POWER),
      dc_power_w: summarize(acc.stats, DC_POWER),
      temperature_c: summarize(acc.stats, TEMPERATURE),
      ac_voltage_v: summarize(acc.stats, AC_VOLTAGE),
      dc_voltage_v: summarize(acc.stats, DC_VOLTAGE),
    },
    energyWh: energy ? energy.energyWh + acc.carryWh : null,
    counterResets: energy ? energy.counterResets : 0,
    mpptPower,
    faultSamples: acc.faultSamples,
    throttledSamples: acc.throttledSamples,
    eventsMask: acc.eventsMask,
    lastState: acc.lastState,
  };
}

/**
 * A window's compact stored form, for checkpoints and stored results: stats as
 * [n, mean, m2, min, max], energy points as offsets from the window start and
 * the first counter value. Plain numbers and arrays, so the rows of a whole
 * checkpoint go through one `JSON.stringify` (native, one flat text) instead
 * of being pieced together number by number; infinities (an empty min or max,
 * no last event time) become null there. It shares arrays with the window, so
 * it is serialized at once, never kept.
 */
export interface StoredWindow {
  s: number;
  q: number[];
  n: number;
  st: Record<string, StoredStat>;
  e0: number;
  et: number[];
  ew: number[];
  m: Record<string, StoredStat>;
  f: number;
  t: number;
  ev: number;
  lt: number | null;
  ls: number | null;
  r: number;
  c?: number;
  cf?: number | null;
}

export function storedWindow(acc: WindowAcc): StoredWindow {
  const { stats, energy } = acc;
  const w0 = energy.wh.length > 0 ? (energy.wh[0] as number) : 0;
  const et: number[] = [];
  const ew: number[] = [];
  for (let i = 0; i < energy.ts.length; i++) {
    et.push((energy.ts[i] as number) - acc.start);
    ew.push((energy.wh[i] as number) - w0);
  }
  return {
    s: acc.start,
    q: acc.seqs,
    n: acc.samples,
    st: {
      ac_power_w: storedStat(stats, AC_POWER),
      dc_power_w: storedStat(stats, DC_POWER),
      temperature_c: storedStat(stats, TEMPERATURE),
      ac_voltage_v: storedStat(stats, AC_VOLTAGE),
      dc_voltage_v: storedStat(stats, DC_VOLTAGE),
    },
    e0: w0,
    et,
    ew,
    m: acc.mppt,
    f: acc.faultSamples,
    t: acc.throttledSamples,
    ev: acc.eventsMask,
    lt: acc.lastTs,
    ls: acc.lastState,
    r: acc.revision,
    c: acc.carryWh,
    cf: acc.carryFromTs,
  };
}

/** The stored form as JSON text. */
export function serializeWindow(acc: WindowAcc): string {
  return JSON.stringify(storedWindow(acc));
}

export function deserializeWindow(json: string | object): WindowAcc {
  const raw = (typeof json === 'string' ? JSON.parse(json) : json) as StoredWindow;
  const acc = emptyWindow(raw.s);
  acc.seqs = raw.q;
  acc.samples = raw.n;
  for (const field of STAT_FIELDS) readStoredStat(acc.stats, offsetOf(field), raw.st[field]);
  acc.energy = { ts: raw.et.map((t) => t + raw.s), wh: raw.ew.map((w) => w + raw.e0) };
  for (const [k, v] of Object.entries(raw.m)) {
    const st = emptyStats(1);
    readStoredStat(st, 0, v);
    acc.mppt[k] = st;
  }
  acc.faultSamples = raw.f;
  acc.throttledSamples = raw.t;
  acc.eventsMask = raw.ev;
  acc.lastTs = raw.lt ?? Number.NEGATIVE_INFINITY;
  acc.lastState = raw.ls;
  acc.revision = raw.r;
  acc.carryWh = raw.c ?? 0;
  acc.carryFromTs = raw.cf ?? null;
  return acc;
}

/** Counter delta from one reading to a later one; a drop is a reset (the energy since is the new value). */
export function counterDelta(fromWh: number, toWh: number): number {
  return toWh >= fromWh ? toWh - fromWh : toWh;
}
