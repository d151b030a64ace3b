import { ConfigError } from '@ysh/common';
import { describe, expect, it } from 'vitest';
import { loadProcessorConfig } from './config.ts';

describe('loadProcessorConfig', () => {
  it('defaults: 5-minute windows, 1 min lateness, embedded sinks with console alerts', () => {
    const c = loadProcessorConfig({}, '/tmp');
    expect(c.windows).toEqual({
      sizeMs: 300_000,
      allowedLatenessMs: 60_000,
      idleTimeoutMs: 120_000,
      correctionCacheMs: 7_200_000,
      energyAcrossBoundaries: false,
    });
    expect(c.influx).toBeUndefined();
    expect(c.slack).toBeUndefined();
    expect(c.consoleAlerts).toBe(true);
    expect(c.rules.comm_loss.periods).toBe(30);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads sinks and rule overrides', () => {
    const c = loadProcessorConfig({
      YSH_INFLUX_URL: 'http://influx:8086',
      YSH_INFLUX_TOKEN: 't',
      SLACK_BOT_TOKEN: 'xoxb-1',
      YSH_PROCESSOR_RULES: '{"over_temperature":{"maxTemperatureC":70,"openAfter":2}}',
      YSH_PROCESSOR_NAMEPLATES: '{"inv-1":5500}',
      YSH_PROCESSOR_WINDOW: '15m',
      YSH_PROCESSOR_ENERGY_ACROSS_BOUNDARIES: 'true',
    });
    expect(c.influx).toMatchObject({ url: 'http://influx:8086', token: 't', org: 'ysh', bucket: 'telemetry' });
    expect(c.influx?.gzip).toBe(false);
    expect(loadProcessorConfig({ YSH_INFLUX_URL: 'http://influx:8086', YSH_INFLUX_GZIP: 'true' }).influx?.gzip).toBe(
      true,
    );
    expect(c.slack).toMatchObject({ token: 'xoxb-1', channel: '#solar-alerts' });
    expect(c.consoleAlerts).toBe(false);
    expect(c.rules.over_temperature).toMatchObject({ maxTemperatureC: 70, openAfter: 2, resolveAfter: 2 });
    expect(c.nameplates).toEqual({ 'inv-1': 5500 });
    expect(c.windows.sizeMs).toBe(900_000);
    expect(c.windows.energyAcrossBoundaries).toBe(true);
  });

  it.each([
    [{ YSH_PROCESSOR_WINDOW: 'five' }, 'YSH_PROCESSOR_WINDOW: expected a duration'],
    [{ YSH_PROCESSOR_RULES: '{"no_such_rule":{}}' }, 'YSH_PROCESSOR_RULES: rules.no_such_rule: is not a known rule'],
    [
      { YSH_PROCESSOR_RULES: '{"fault_state":{"openAfter":"2"}}' },
      'YSH_PROCESSOR_RULES: rules.fault_state.openAfter: must be a number',
    ],
    [
      { YSH_PROCESSOR_RULES: '{"fault_state":{"severity":"bogus"}}' },
      'YSH_PROCESSOR_RULES: rules.fault_state.severity:',
    ],
    [
      { YSH_PROCESSOR_RULES: '{"fault_state":{"openAfter":1.5}}' },
      'YSH_PROCESSOR_RULES: rules.fault_state.openAfter: Expected integer',
    ],
    [{ YSH_PROCESSOR_RULES: '{oops' }, 'YSH_PROCESSOR_RULES: expected valid JSON'],
    [{ YSH_PROCESSOR_NAMEPLATES: '{"inv-1":-3}' }, 'YSH_PROCESSOR_NAMEPLATES: inv-1: expected a positive number of Wp'],
    [{ YSH_INFLUX_URL: 'influx:8086' }, 'YSH_INFLUX_URL: expected a URL'],
  ])('a bad value is one error naming the variable: %j', (env, message) => {
    expect(() => loadProcessorConfig(env)).toThrow(ConfigError);
    expect(() => loadProcessorConfig(env)).toThrow(message);
  });
});
