import { type ErrorTable, tableError } from '@ysh/common';

/** The simulator's error table (codes SIM_*); status is the control API's answer. */
export const SIM_ERRORS = {
  SIM_UNKNOWN_DEVICE: { retriable: false, status: 404, description: 'no simulated device has this id' },
  SIM_BAD_FAULT: {
    retriable: false,
    status: 400,
    description: 'a fault description is missing a field or has a wrong value',
  },
  SIM_BAD_FLEET: { retriable: false, description: 'the fleet file is malformed' },
  SIM_BAD_SCENARIO: { retriable: false, description: 'the scenario file is malformed' },
  SIM_LISTEN_FAILED: { retriable: false, description: 'a Modbus or control port could not be opened' },
} as const satisfies ErrorTable;

/** Simulator errors (codes SIM_*). */
export class SimError extends tableError(SIM_ERRORS) {}

export function unknownDevice(id: string): SimError {
  return new SimError('SIM_UNKNOWN_DEVICE', `device ${JSON.stringify(id)} does not exist`);
}
