import { startSimulator, type Simulator, type SimulatorOptions } from '@ysh/firmware-sim';

/** Local noon in São Paulo (UTC-3) in January: simulated inverters produce, values are non-zero. */
export const NOON = Date.UTC(2026, 0, 15, 15, 0, 0);

/**
 * A simulated inverter fleet on ephemeral Modbus TCP ports, starting at local noon
 * unless told otherwise. Close it with `sim.close()`.
 */
export function startSimFleet(options: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ port: 0, start: NOON, ...options });
}
