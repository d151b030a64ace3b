import { describe, expect, it } from 'vitest';
import { SiteConfigError } from '../errors.ts';
import { parseSiteConfig } from './site-config.ts';

const GOOD = `site: site-sp-001
gateway:
  url: http://127.0.0.1:7080
  token: \${SITE_TOKEN}
defaults:
  interval: 5s
  timeout: 1s
  retries: 2
buffer:
  maxBytes: 64MiB
devices:
  - id: inv-0001
    transport: tcp
    host: 10.0.0.11
    port: 502
    unitId: 1
  - id: inv-0002
    transport: rtu
    serial: /dev/ttyUSB0
    baud: 9600
    parity: even
    unitId: 2
  - id: dl-0001
    transport: mqtt
    broker: mqtt://127.0.0.1:1883
    topic: dataloggers/dl-0001
    mapping:
      ac_power_w: data.pac
      ac_energy_wh: data.etotal
`;

function errorOf(text: string, env: NodeJS.ProcessEnv = { SITE_TOKEN: 't' }): SiteConfigError {
  try {
    parseSiteConfig(text, 'site.yaml', env);
  } catch (err) {
    if (err instanceof SiteConfigError) return err;
    throw err;
  }
  throw new Error('expected a SiteConfigError');
}

/** Replaces the first occurrence of `from` in the good config. */
const mutate = (from: string, to: string) => {
  if (!GOOD.includes(from)) throw new Error(`fixture has no ${from}`);
  return GOOD.replace(from, to);
};

describe('site config', () => {
  it('parses a complete config with defaults and env expansion', () => {
    const c = parseSiteConfig(GOOD, 'site.yaml', { SITE_TOKEN: 'secret' });
    expect(c.gateway.token).toBe('secret');
    expect(c.buffer.maxBytes).toBe(64 * 1024 * 1024);
    expect(c.devices).toHaveLength(3);
    expect(c.devices[0]).toMatchObject({
      transport: 'tcp',
      pollMs: 5000,
      timeoutMs: 1000,
      retries: 2,
      bus: '10.0.0.11:502',
    });
    expect(c.devices[1]).toMatchObject({ transport: 'rtu', baud: 9600, parity: 'even', bus: '/dev/ttyUSB0' });
    expect(c.devices[2]).toMatchObject({ transport: 'mqtt', mapping: { ac_power_w: 'data.pac' } });
  });

  it.each([
    ['broken YAML', mutate('  retries: 2', '  retries: [2'), '(yaml)', undefined],
    ['wrong port type', mutate('port: 502', 'port: five'), 'devices[0].port', 15],
    ['port out of range', mutate('port: 502', 'port: 70000'), 'devices[0].port', 15],
    ['missing host', mutate('    host: 10.0.0.11\n', ''), 'devices[0].host', 12],
    ['unknown transport', mutate('transport: rtu', 'transport: rs485'), 'devices[1].transport', 18],
    ['bad duration', mutate('interval: 5s', 'interval: fast'), 'defaults.interval', 6],
    ['typo in a field name', mutate('unitId: 2', 'unitID: 2'), 'devices[1].unitID', 22],
    ['bad site id', mutate('site: site-sp-001', 'site: Site SP'), 'site', 1],
    ['gateway URL not http', mutate('url: http://127.0.0.1:7080', 'url: ftp://gw'), 'gateway.url', 3],
    ['unset token variable', GOOD, 'gateway.token', 4],
    ['bad buffer size', mutate('maxBytes: 64MiB', 'maxBytes: lots'), 'buffer.maxBytes', 10],
    ['unknown metric in mapping', mutate('ac_power_w: data.pac', 'ac_pwr: data.pac'), 'devices[2].mapping.ac_pwr', 28],
    ['duplicate device id', mutate('id: inv-0002', 'id: inv-0001'), 'devices[1].id', 17],
    ['bad baud rate', mutate('baud: 9600', 'baud: 9601'), 'devices[1].baud', 20],
  ])('%s → names the field and line', (_name, text, field, line) => {
    const err = errorOf(text, _name === 'unset token variable' ? {} : { SITE_TOKEN: 't' });
    const problem = err.problems.find((p) => p.field === field) ?? err.problems[0];
    expect(problem?.field).toBe(field);
    if (line !== undefined) expect(problem?.line).toBe(line);
    else expect(problem?.line).toBeGreaterThan(0);
    expect(err.message).toContain(`site.yaml:${problem?.line}: ${field}`);
  });

  it('reports every mistake at once', () => {
    const text = mutate('port: 502', 'port: -1').replace('baud: 9600', 'baud: fast');
    const err = errorOf(text);
    expect(err.problems.map((p) => p.field)).toEqual(['devices[0].port', 'devices[1].baud']);
  });

  it('refuses more than one request in flight on an RS-485 bus', () => {
    const err = errorOf(`${GOOD}buses:\n  /dev/ttyUSB0:\n    concurrency: 2\n`);
    expect(err.problems[0]?.field).toBe('buses./dev/ttyUSB0.concurrency');
    expect(err.problems[0]?.line).toBe(32);
  });

  it('refuses two devices on one unit id of one bus', () => {
    const text = GOOD.replace(
      '  - id: inv-0002',
      '  - id: inv-0009\n    transport: tcp\n    host: 10.0.0.11\n    unitId: 1\n  - id: inv-0002',
    );
    expect(errorOf(text).problems[0]).toMatchObject({ field: 'devices[1].unitId', line: 20 });
  });
});
