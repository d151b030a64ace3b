import {
  decodeModel,
  deviceIdentity,
  getModelDef,
  INVERTER_MODEL_IDS,
  isSunSMarker,
  parseModelChain,
  SUNSPEC_BASE_ADDRESSES,
  type DecodedModel,
  type DeviceIdentity,
} from '@ysh/common/sunspec';
import { EdgeError, ModbusExceptionError } from '../errors.ts';
import type { PolledModel } from './read-plan.ts';

/** Reads `length` holding registers at `address` (through the device's bus, with its timeout). */
export type RegisterReader = (address: number, length: number) => Promise<number[]>;

export interface DiscoveredDevice {
  base: number;
  identity: DeviceIdentity | undefined;
  /** Every model in the chain, known or not: id, ID-register address, L. */
  chain: { id: number; address: number; length: number; known: boolean }[];
  /** Models the poller reads every interval (the inverter model and MPPT model 160). */
  polled: PolledModel[];
  /** Decoded at discovery time (model 1 is static and never polled again). */
  models: DecodedModel[];
}

const POLLED_IDS = new Set<number>([...INVERTER_MODEL_IDS, 160]);

async function findBase(read: RegisterReader, bases: readonly number[]): Promise<number> {
  const tried: string[] = [];
  for (const base of bases) {
    try {
      const regs = await read(base, 2);
      if (isSunSMarker(regs)) return base;
      tried.push(`${base}: no SunS marker`);
    } catch (err) {
      // An exception (illegal address) means "not here"; timeouts and I/O errors end discovery.
      if (!(err instanceof ModbusExceptionError)) throw err;
      tried.push(`${base}: exception ${err.exceptionCode}`);
    }
  }
  throw new EdgeError('EDGE_SUNSPEC_NOT_FOUND', `no SunSpec map found (${tried.join('; ')})`);
}

/**
 * SunSpec discovery: find `SunS` at 40000, 0 or 50000, walk the model chain
 * reading as many registers per request as allowed, decode model 1 (identity)
 * and keep the inverter (101/102/103) and MPPT (160) models for polling.
 * Unknown models are listed and skipped.
 */
export async function discoverSunSpec(
  read: RegisterReader,
  options: { base?: number | 'auto'; maxRegisters?: number; maxModels?: number } = {},
): Promise<DiscoveredDevice> {
  const maxRegs = options.maxRegisters ?? 125;
  const base =
    options.base === undefined || options.base === 'auto'
      ? await findBase(read, SUNSPEC_BASE_ADDRESSES)
      : await findBase(read, [options.base]);
  // Registers from the base, read in the largest chunks the device answers.
  const regs: number[] = [];
  const readMore = async (): Promise<void> => {
    const at = base + regs.length;
    let chunk: number[];
    try {
      chunk = await read(at, Math.min(maxRegs, 0x10000 - at));
    } catch (err) {
      // Past the end of the map some devices answer "illegal address": fall back to the header only.
      if (!(err instanceof ModbusExceptionError)) throw err;
      chunk = await read(at, 2);
    }
    if (chunk.length === 0) throw new EdgeError('EDGE_SUNSPEC_BAD_CHAIN', `empty read at ${at}`);
    regs.push(...chunk);
  };
  await readMore();
  let walk = parseModelChain(regs);
  const padded: [number, number][] = [];
  for (let guard = 0; !walk.complete; guard++) {
    if (guard > 1000 || walk.entries.length > (options.maxModels ?? 64) || base + walk.next > 0xffff) {
      throw new EdgeError('EDGE_SUNSPEC_BAD_CHAIN', `model chain at ${base} has no end marker`);
    }
    // Registers of a model we jump over are never read (its header gave its length).
    if (regs.length < walk.next) {
      padded.push([regs.length, walk.next]);
      while (regs.length < walk.next) regs.push(0);
    }
    await readMore();
    walk = parseModelChain(regs);
  }
  const chain = walk.entries.map((e) => ({
    id: e.id,
    address: base + e.offset,
    length: e.length,
    known: getModelDef(e.id) !== undefined,
  }));
  const models: DecodedModel[] = [];
  let identity: DeviceIdentity | undefined;
  const common = walk.entries.find((e) => e.id === 1);
  if (
    common &&
    common.offset + 2 + common.length <= regs.length &&
    !padded.some(([from, to]) => from < common.offset + 2 + common.length && to > common.offset)
  ) {
    const r = decodeModel(regs, common.offset);
    if (r.ok) {
      models.push(r.model);
      identity = deviceIdentity(r.model);
    }
  }
  const polled: PolledModel[] = [];
  let inverter = false;
  for (const e of chain) {
    if (!e.known || !POLLED_IDS.has(e.id)) continue;
    if (INVERTER_MODEL_IDS.includes(e.id)) {
      if (inverter) continue;
      inverter = true;
    }
    polled.push({ id: e.id, address: e.address, size: e.length + 2 });
  }
  if (!inverter)
    throw new EdgeError('EDGE_SUNSPEC_BAD_CHAIN', `no inverter model (101/102/103) in the chain at ${base}`);
  return { base, identity, chain, polled, models };
}
