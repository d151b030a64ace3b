import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOBS_ERRORS, JobsError, stepErrorInfo, transient } from './errors.ts';

describe('JOBS_ error table', () => {
  it('every code is documented in the README with its retriable flag', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    for (const [code, e] of Object.entries(JOBS_ERRORS)) {
      expect(code).toMatch(/^JOBS_[A-Z_]+$/);
      expect(readme).toMatch(new RegExp(`\\| \`${code}\` \\| ${e.retriable ? 'yes' : 'no'} \\|`));
    }
  });

  it('keeps code and retriable through a step error; anything else is not retriable', () => {
    expect(stepErrorInfo(transient('503 from ANEEL'))).toEqual({
      code: 'JOBS_TRANSIENT',
      message: '503 from ANEEL',
      retriable: true,
    });
    expect(stepErrorInfo(new JobsError('JOBS_CHECK_FAILED', 'x', { details: { check: 'c' } }))).toEqual({
      code: 'JOBS_CHECK_FAILED',
      message: 'x',
      retriable: false,
      details: { check: 'c' },
    });
    expect(stepErrorInfo(new TypeError('boom'))).toEqual({
      code: 'JOBS_MATERIALIZE_FAILED',
      message: 'boom',
      retriable: false,
    });
  });
});
