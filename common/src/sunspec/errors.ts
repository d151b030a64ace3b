import { YshError } from '../errors.ts';

/** A value given to the SunSpec encoder does not fit its point (type range, sentinel, scale factor). */
export class SunSpecEncodeError extends YshError {
  readonly field: string;
  constructor(field: string, expectation: string) {
    super('SUNSPEC_ENCODE', `${field}: ${expectation}`);
    this.field = field;
  }
}

export const SUNSPEC_ERROR_CODES = {
  SUNSPEC_ENCODE: 'a value does not fit its SunSpec point (type range, sentinel or scale factor)',
} as const;
