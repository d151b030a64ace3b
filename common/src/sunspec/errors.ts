import { type ErrorTable, errorOptions, YshError } from '../errors.ts';

export const SUNSPEC_ERRORS = {
  SUNSPEC_ENCODE: {
    retriable: false,
    description: 'a value does not fit its SunSpec point (type range, sentinel or scale factor)',
  },
} as const satisfies ErrorTable;

/** A value given to the SunSpec encoder does not fit its point (type range, sentinel, scale factor). */
export class SunSpecEncodeError extends YshError {
  readonly field: string;
  constructor(field: string, expectation: string) {
    super('SUNSPEC_ENCODE', `${field}: ${expectation}`, errorOptions(SUNSPEC_ERRORS, 'SUNSPEC_ENCODE'));
    this.field = field;
  }
}
