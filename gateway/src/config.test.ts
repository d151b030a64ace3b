import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './config.ts';

describe('loadGatewayConfig', () => {
  it('applies defaults: embedded MQTT, embedded Kafka port, durations in ms', () => {
    const c = loadGatewayConfig({}, '/tmp');
    expect(c.port).toBe(7080);
    expect(c.mqtt.mode).toBe('embedded');
    expect(c.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(c.dedupHorizonMs).toBe(24 * 3_600_000);
    expect(c.authCacheMs).toBe(0);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('bridges the external broker when YSH_MQTT_URL is set', () => {
    const c = loadGatewayConfig({ YSH_MQTT_URL: 'mqtt://127.0.0.1:1883', YSH_KAFKA_BROKERS: 'k1:9092,k2:9092' });
    expect(c.mqtt).toMatchObject({ mode: 'external', url: 'mqtt://127.0.0.1:1883' });
    expect(c.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
  });

  it('names the variable in one line when a value is wrong', () => {
    expect(() => loadGatewayConfig({ YSH_GATEWAY_DEDUP_HORIZON: 'forever' })).toThrow(
      /^YSH_GATEWAY_DEDUP_HORIZON: expected a duration/,
    );
    expect(() => loadGatewayConfig({ YSH_GATEWAY_DEVICE_POLICY: 'maybe' })).toThrow(/YSH_GATEWAY_DEVICE_POLICY/);
    expect(() => loadGatewayConfig({ YSH_GATEWAY_MQTT: 'external' })).toThrow(/^YSH_MQTT_URL:/);
  });
});
