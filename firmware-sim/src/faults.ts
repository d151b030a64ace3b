import { SimError } from './errors.ts';

/** Grid fault variants: what the device measures and which Evt1 bits it raises. */
export const GRID_FAULT_KINDS = [
  'disconnect',
  'undervoltage',
  'overvoltage',
  'underfrequency',
  'overfrequency',
] as const;
export type GridFaultKind = (typeof GRID_FAULT_KINDS)[number];

export type Fault =
  /** One MPPT input produces nothing (blown string fuse / open string): model 160 DCSt FAULT, Evt1 bit 12. */
  | { type: 'mppt-failure'; mppt: number }
  /** Heat-sink over temperature: output limited to `deratePct` % of nameplate, St THROTTLED, Evt1 bit 7. */
  | { type: 'over-temperature'; deratePct: number; heatsinkC: number }
  /** Grid out of limits: St FAULT (7), no AC output, Evt1 GRID_DISCONNECT + the kind's bit. */
  | { type: 'grid-fault'; kind: GridFaultKind }
  /** The device does not answer at all (Modbus: no response; MQTT: no publish). */
  | { type: 'comm-loss' }
  /** Every answer is delayed by `delayMs` of wall time. */
  | { type: 'slow-response'; delayMs: number }
  /** Every Modbus request gets exception `code` (default 0x04 server device failure). */
  | { type: 'modbus-exception'; code: number }
  /** The served registers (and MQTT values) stop changing; the ground truth moves on. */
  | { type: 'frozen-values' }
  /** One-shot: the lifetime energy counter restarts from 0. */
  | { type: 'energy-reset' }
  /** The device clock is `skewMs` off: MQTT timestamps and the Modbus Tms registers (models 160/122) carry it. */
  | { type: 'clock-skew'; skewMs: number };

export type FaultType = Fault['type'];
export const FAULT_TYPES: readonly FaultType[] = [
  'mppt-failure',
  'over-temperature',
  'grid-fault',
  'comm-loss',
  'slow-response',
  'modbus-exception',
  'frozen-values',
  'energy-reset',
  'clock-skew',
];

/** Key of an active fault: its type, plus the MPPT for string failures (several may fail at once). */
export function faultKey(f: { type: FaultType; mppt?: number }): string {
  return f.type === 'mppt-failure' ? `mppt-failure:${f.mppt ?? ''}` : f.type;
}

function bad(where: string, expectation: string): SimError {
  return new SimError('SIM_BAD_FAULT', `${where}: ${expectation}`, { httpStatus: 400 });
}

function num(
  o: Record<string, unknown>,
  field: string,
  where: string,
  fallback: number | undefined,
  min: number,
  max: number,
  integer = false,
): number {
  const v = o[field];
  if (v === undefined) {
    if (fallback === undefined) throw bad(`${where}.${field}`, 'is required');
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw bad(
      `${where}.${field}`,
      `expected ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Validates a fault description from JSON/YAML; errors name the field (`where` is its path). */
export function parseFault(input: unknown, where = 'fault'): Fault {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw bad(where, 'expected an object with a "type"');
  const o = input as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'string' || !FAULT_TYPES.includes(type as FaultType)) {
    throw bad(`${where}.type`, `expected one of ${FAULT_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  }
  switch (type as FaultType) {
    case 'mppt-failure':
      return { type: 'mppt-failure', mppt: num(o, 'mppt', where, 1, 1, 16, true) };
    case 'over-temperature':
      return {
        type: 'over-temperature',
        deratePct: num(o, 'deratePct', where, 50, 0, 100),
        heatsinkC: num(o, 'heatsinkC', where, 85, 40, 150),
      };
    case 'grid-fault': {
      const kind = o.kind ?? 'disconnect';
      if (!GRID_FAULT_KINDS.includes(kind as GridFaultKind)) {
        throw bad(`${where}.kind`, `expected one of ${GRID_FAULT_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
      }
      return { type: 'grid-fault', kind: kind as GridFaultKind };
    }
    case 'slow-response':
      return { type: 'slow-response', delayMs: num(o, 'delayMs', where, undefined, 0, 600_000) };
    case 'modbus-exception':
      return { type: 'modbus-exception', code: num(o, 'code', where, 4, 1, 255, true) };
    case 'clock-skew':
      return {
        type: 'clock-skew',
        skewMs: num(o, 'skewMs', where, undefined, -10 * 365 * 86_400_000, 10 * 365 * 86_400_000),
      };
    default:
      return { type } as Fault;
  }
}

/** A fault that names a part the device does not have (an MPPT beyond its count) is refused. */
export function checkFaultFits(fault: Fault, device: { spec: { id: string; mppts: number } }, where = 'fault'): Fault {
  if (fault.type === 'mppt-failure' && fault.mppt > device.spec.mppts) {
    throw new SimError(
      'SIM_BAD_FAULT',
      `${where}.mppt: device ${device.spec.id} has ${device.spec.mppts} MPPT(s), got ${fault.mppt}`,
      {
        httpStatus: 400,
      },
    );
  }
  return fault;
}
