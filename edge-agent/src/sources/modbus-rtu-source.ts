import { createRequire } from 'node:module';
import type { ModbusRtuDevice } from '../config/site-config.ts';
import { ModbusConnection } from '../modbus/connection.ts';
import { DevicePoller } from '../poller/device-poller.ts';
import type { PolledSource } from './device-source.ts';

/**
 * SunSpec inverters on Modbus RTU over RS-485. Every device on one serial
 * path is one bus, and a half-duplex line carries exactly one request at a
 * time: a second frame sent before the answer would garble both.
 */
/**
 * serialport (native, prebuilt binaries from the registry) is an optional dependency: an install
 * for Modbus TCP and MQTT only works without it. Its absence is said once, plainly, per bus.
 */
export function serialPortMissing(): string | undefined {
  try {
    createRequire(import.meta.url).resolve('serialport');
    return undefined;
  } catch {
    return 'Modbus RTU needs the optional serialport package, which is not installed: run `npm install serialport@13` where ysh-edge is installed (prebuilt binaries for Linux x64, arm and arm64)';
  }
}

export const modbusRtuSource: PolledSource<ModbusRtuDevice, ModbusConnection> = {
  delivery: 'polled',
  bus: (d) => ({
    key: d.bus,
    concurrency: 1,
    open: (logger) => {
      const missing = serialPortMissing();
      if (missing) logger.error({ bus: d.bus }, missing);
      return new ModbusConnection(
        { kind: 'rtu', path: d.serial, baud: d.baud, parity: d.parity, dataBits: d.dataBits, stopBits: d.stopBits },
        { logger, reconnectMs: Math.min(1000, d.pollMs) },
      );
    },
  }),
  poller: (d, bus, events, config, logger) => new DevicePoller(d, bus, events, config.polling, logger),
};
