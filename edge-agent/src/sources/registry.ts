import type { DeviceConfig } from '../config/site-config.ts';
import type { DeviceSource } from './device-source.ts';
import { modbusRtuSource } from './modbus-rtu-source.ts';
import { modbusTcpSource } from './modbus-tcp-source.ts';
import { mqttSource } from './mqtt-source.ts';

/**
 * Every device protocol the agent speaks, by the `transport` its devices name
 * in the site config. The type is derived from the config's device union, so a
 * protocol added there does not compile until its source is listed here.
 */
const SOURCES: { [T in DeviceConfig['transport']]: DeviceSource<Extract<DeviceConfig, { transport: T }>> } = {
  tcp: modbusTcpSource,
  rtu: modbusRtuSource,
  mqtt: mqttSource,
};

/** The source that serves a configured device. */
export function sourceOf(device: DeviceConfig): DeviceSource {
  return SOURCES[device.transport];
}
