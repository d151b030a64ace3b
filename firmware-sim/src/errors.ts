import { YshError, type YshErrorOptions } from '@ysh/common';

/** Simulator errors (codes SIM_*). */
export class SimError extends YshError {
  constructor(code: keyof typeof SIM_ERROR_CODES, message: string, options: YshErrorOptions = {}) {
    super(code, message, options);
  }
}

export const SIM_ERROR_CODES = {
  SIM_UNKNOWN_DEVICE: 'no simulated device has this id',
  SIM_BAD_FAULT: 'a fault description is missing a field or has a wrong value',
  SIM_BAD_FLEET: 'the fleet file is malformed',
  SIM_BAD_SCENARIO: 'the scenario file is malformed',
  SIM_LISTEN_FAILED: 'a Modbus or control port could not be opened',
} as const;

export function unknownDevice(id: string): SimError {
  return new SimError('SIM_UNKNOWN_DEVICE', `device ${JSON.stringify(id)} does not exist`, { httpStatus: 404 });
}
