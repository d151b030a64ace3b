import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_SITE,
  defaultDevice,
  type DeviceSpec,
  type OptionalModel,
  type SiteSpec,
} from './device/device-spec.ts';
import { SimError } from './errors.ts';

/**
 * Fleet file (YAML or JSON):
 *   site: { id, lat, lon, tilt, azimuth, ambientMeanC, weather: clear|variable }
 *   devices:
 *     - { count, idPrefix, protocol: modbus|mqtt, model: 101|103, nameplateW, dcWp, mppts,
 *         extraModels: [120, 121, 122], manufacturer, modelName, gridVoltageV, site: {…} }
 * Device indexes (the k of the addressing rule) follow the order of the file.
 */
function bad(where: string, expectation: string): SimError {
  return new SimError('SIM_BAD_FLEET', `${where}: ${expectation}`);
}

type Obj = Record<string, unknown>;

function obj(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(where, 'expected an object');
  return v as Obj;
}

function num(o: Obj, key: string, where: string, fallback: number, min: number, max: number, integer = false): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw bad(
      `${where}.${key}`,
      `expected ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function str(o: Obj, key: string, where: string, fallback: string, maxBytes = 32): string {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || v === '' || Buffer.byteLength(v, 'latin1') > maxBytes) {
    throw bad(
      `${where}.${key}`,
      `expected a non-empty string of at most ${maxBytes} characters, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

export function parseSite(input: unknown, where: string, base: SiteSpec = DEFAULT_SITE): SiteSpec {
  const o = obj(input, where);
  const latDeg = num(o, 'lat', where, base.latDeg, -90, 90);
  const weather = o.weather ?? base.weather;
  if (weather !== 'clear' && weather !== 'variable') throw bad(`${where}.weather`, 'expected "clear" or "variable"');
  return {
    id: str(o, 'id', where, base.id, 64),
    latDeg,
    lonDeg: num(o, 'lon', where, base.lonDeg, -180, 180),
    tiltDeg: num(o, 'tilt', where, o.lat === undefined ? base.tiltDeg : Math.abs(latDeg), 0, 90),
    azimuthDeg: num(o, 'azimuth', where, o.lat === undefined ? base.azimuthDeg : latDeg < 0 ? 0 : 180, 0, 360),
    ambientMeanC: num(o, 'ambientMeanC', where, base.ambientMeanC, -40, 50),
    weather,
  };
}

export function parseFleet(input: unknown, source = 'fleet'): DeviceSpec[] {
  const root = obj(input, source);
  const site = root.site === undefined ? DEFAULT_SITE : parseSite(root.site, `${source}.site`);
  if (!Array.isArray(root.devices) || root.devices.length === 0)
    throw bad(`${source}.devices`, 'expected a non-empty list');
  const out: DeviceSpec[] = [];
  root.devices.forEach((raw, i) => {
    const where = `${source}.devices[${i}]`;
    const g = obj(raw, where);
    const count = num(g, 'count', where, 1, 1, 5000, true);
    const groupSite = g.site === undefined ? site : parseSite(g.site, `${where}.site`, site);
    const protocol = g.protocol ?? 'modbus';
    if (protocol !== 'modbus' && protocol !== 'mqtt') throw bad(`${where}.protocol`, 'expected "modbus" or "mqtt"');
    const model = g.model ?? 103;
    if (model !== 101 && model !== 103) throw bad(`${where}.model`, 'expected 101 (single-phase) or 103 (three-phase)');
    const extra = g.extraModels ?? [];
    if (!Array.isArray(extra) || extra.some((m) => m !== 120 && m !== 121 && m !== 122)) {
      throw bad(`${where}.extraModels`, 'expected a list of 120, 121, 122');
    }
    const nameplateW = num(g, 'nameplateW', where, 5000, 100, 300_000);
    const prefix = str(g, 'idPrefix', where, 'inv-', 48);
    for (let k = 0; k < count; k++) {
      const index = out.length + 1;
      const base = defaultDevice(index, groupSite, protocol);
      out.push({
        ...base,
        id: `${prefix}${String(index).padStart(4, '0')}`,
        inverterModel: model,
        extraModels: [...new Set(extra as OptionalModel[])].sort(),
        nameplateW,
        dcWp: num(g, 'dcWp', where, nameplateW * 1.1, 100, 400_000),
        mppts: num(g, 'mppts', where, 2, 1, 16, true),
        stringVmpV: num(g, 'stringVmpV', where, 380, 50, 1500),
        gridVoltageV: num(g, 'gridVoltageV', where, 220, 100, 400),
        manufacturer: str(g, 'manufacturer', where, base.manufacturer),
        modelName: str(g, 'modelName', where, model === 101 ? 'YSH-SIM-1P' : 'YSH-SIM-3P'),
        initialEnergyWh:
          g.initialEnergyWh === undefined ? undefined : num(g, 'initialEnergyWh', where, 0, 0, 4e9, true),
      });
    }
  });
  if (out.length > 5000) throw bad(`${source}.devices`, `at most 5000 devices, got ${out.length}`);
  return out;
}

export async function loadFleetFile(path: string): Promise<DeviceSpec[]> {
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
  return parseFleet(data, path);
}
