import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATEWAY_ERRORS, GatewayError, type GatewayErrorCode } from './errors.ts';
import { toGatewayError } from './http/error-handler.ts';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
const codes = Object.keys(GATEWAY_ERRORS);

describe('gateway error table', () => {
  it('has unique GW_ codes with an HTTP error status each', () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^GW_[A-Z_]+$/);
    for (const entry of Object.values(GATEWAY_ERRORS)) {
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      expect(entry.description.length).toBeGreaterThan(10);
    }
  });

  it('documents every code with its status in gateway/README.md', () => {
    for (const [code, entry] of Object.entries(GATEWAY_ERRORS)) {
      const row = readme.split('\n').find((line) => line.includes(`\`${code}\``) && line.trim().startsWith('|'));
      expect(row, `README row for ${code}`).toBeDefined();
      expect(row).toContain(String(entry.status));
    }
  });

  it('maps Fastify errors into the table and unknown faults to GW_INTERNAL', () => {
    const fst = (code: string, statusCode: number) => Object.assign(new Error(code), { code, statusCode });
    const cases: Array<[unknown, GatewayErrorCode]> = [
      [fst('FST_ERR_CTP_BODY_TOO_LARGE', 413), 'GW_BODY_TOO_LARGE'],
      [fst('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), 'GW_UNSUPPORTED_MEDIA_TYPE'],
      [fst('FST_ERR_CTP_EMPTY_JSON_BODY', 400), 'GW_MALFORMED_JSON'],
      [new TypeError('boom'), 'GW_INTERNAL'],
      [new GatewayError('GW_BACKPRESSURE', 'x'), 'GW_BACKPRESSURE'],
    ];
    for (const [err, code] of cases) expect(toGatewayError(err).code).toBe(code);
    expect(toGatewayError(new TypeError('boom')).httpStatus).toBe(500);
  });
});
