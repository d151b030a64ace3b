import type { ModbusRtuDevice } from '../config/site-config.ts';
import { ModbusConnection } from '../modbus/connection.ts';
import { DevicePoller } from '../poller/device-poller.ts';
import type { PolledSource } from './device-source.ts';

/**
 * SunSpec inverters on Modbus RTU over RS-485. Every device on one serial
 * path is one bus, and a half-duplex line carries exactly one request at a
 * time: a second frame sent before the answer would garble both.
 */
export const modbusRtuSource: PolledSource<ModbusRtuDevice, ModbusConnection> = {
  delivery: 'polled',
  bus: (d) => ({
    key: d.bus,
    concurrency: 1,
    open: (logger) =>
      new ModbusConnection(
        { kind: 'rtu', path: d.serial, baud: d.baud, parity: d.parity, dataBits: d.dataBits, stopBits: d.stopBits },
        { logger, reconnectMs: Math.min(1000, d.pollMs) },
      ),
  }),
  poller: (d, bus, events, config, logger) => new DevicePoller(d, bus, events, config.polling, logger),
};
