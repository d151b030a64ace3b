import { readFile } from 'node:fs/promises';
import { parseDuration } from '@ysh/common';
import { parse as parseYaml } from 'yaml';
import type { SimulatedDevice } from './device/simulated-device.ts';
import { SimError } from './errors.ts';
import { checkFaultFits, FAULT_TYPES, parseFault, type Fault, type FaultType } from './faults.ts';

/**
 * A scripted scenario: fault changes at fixed simulated times (offsets from the
 * simulation start, or absolute ISO timestamps). Applied inside each device's
 * step sequence, so a seed + scenario replays exactly.
 */
export interface ScenarioEvent {
  /** Offset from the simulated start (ms) or absolute epoch ms when `absolute`. */
  at: number;
  absolute: boolean;
  devices: string[] | '*';
  inject?: Fault;
  /** Clear the fault after this many simulated ms. */
  forMs?: number;
  clear?: FaultType | 'all';
}

export interface Scenario {
  events: ScenarioEvent[];
}

function bad(where: string, expectation: string): SimError {
  return new SimError('SIM_BAD_SCENARIO', `${where}: ${expectation}`);
}

function time(v: unknown, where: string): { at: number; absolute: boolean } {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return { at: v, absolute: false };
  if (typeof v === 'string') {
    const d = parseDuration(v);
    if (d !== undefined) return { at: d, absolute: false };
    const t = Date.parse(v);
    if (!Number.isNaN(t) && /\d{4}-\d{2}-\d{2}T/.test(v)) return { at: t, absolute: true };
  }
  throw bad(
    where,
    `expected a duration from the start ("90s", "10m", "2h"), milliseconds or an ISO timestamp, got ${JSON.stringify(v)}`,
  );
}

export function parseScenario(input: unknown, source = 'scenario'): Scenario {
  if (typeof input !== 'object' || input === null || !Array.isArray((input as { events?: unknown }).events)) {
    throw bad(`${source}.events`, 'expected a list of events');
  }
  const events = (input as { events: unknown[] }).events.map((raw, i): ScenarioEvent => {
    const where = `${source}.events[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw bad(where, 'expected an object');
    const e = raw as Record<string, unknown>;
    const { at, absolute } = time(e.at, `${where}.at`);
    let devices: string[] | '*';
    if (e.device === '*') devices = '*';
    else if (typeof e.device === 'string' && e.device !== '') devices = [e.device];
    else if (Array.isArray(e.device) && e.device.length > 0 && e.device.every((d) => typeof d === 'string'))
      devices = e.device as string[];
    else throw bad(`${where}.device`, 'expected a device id, a list of ids or "*"');
    const event: ScenarioEvent = { at, absolute, devices };
    if (e.inject !== undefined && e.clear !== undefined) throw bad(where, 'give either "inject" or "clear", not both');
    if (e.inject !== undefined) {
      try {
        event.inject = parseFault(e.inject, `${where}.inject`);
      } catch (err) {
        throw bad(where, err instanceof Error ? err.message : String(err));
      }
      if (e.for !== undefined) event.forMs = time(e.for, `${where}.for`).at;
    } else if (e.clear !== undefined) {
      if (e.clear !== 'all' && !FAULT_TYPES.includes(e.clear as FaultType)) {
        throw bad(
          `${where}.clear`,
          `expected "all" or one of ${FAULT_TYPES.join(', ')}, got ${JSON.stringify(e.clear)}`,
        );
      }
      event.clear = e.clear as FaultType | 'all';
    } else {
      throw bad(where, 'expected "inject" (a fault) or "clear" (a fault type or "all")');
    }
    return event;
  });
  return { events };
}

export async function loadScenarioFile(path: string): Promise<Scenario> {
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    throw bad(path, `cannot read: ${String(err)}`);
  });
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw bad(
      path,
      `not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parseScenario(data, path);
}

export function scheduleScenario(scenario: Scenario, devices: SimulatedDevice[], start: number): void {
  const byId = new Map(devices.map((d) => [d.spec.id, d]));
  scenario.events.forEach((e, i) => {
    const targets = e.devices === '*' ? devices : e.devices.map((id) => byId.get(id));
    targets.forEach((d, j) => {
      if (!d) throw bad(`scenario.events[${i}].device`, `unknown device ${JSON.stringify((e.devices as string[])[j])}`);
      const at = e.absolute ? e.at : start + e.at;
      const fault = e.inject;
      if (fault) {
        checkFaultFits(fault, d, `scenario.events[${i}].inject`);
        d.schedule(at, (dev) => dev.applyFault(fault));
        if (e.forMs !== undefined && fault.type !== 'energy-reset') {
          const mppt = fault.type === 'mppt-failure' ? fault.mppt : undefined;
          d.schedule(at + e.forMs, (dev) => dev.clearFault(fault.type, mppt));
        }
      } else if (e.clear) {
        const clear = e.clear;
        d.schedule(at, (dev) => dev.clearFault(clear));
      }
    });
  });
}
