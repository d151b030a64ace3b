import type { ModbusTcpDevice } from '../config/site-config.ts';
import { ModbusConnection } from '../modbus/connection.ts';
import { DevicePoller } from '../poller/device-poller.ts';
import type { PolledSource } from './device-source.ts';

/**
 * SunSpec inverters on Modbus TCP. Every device behind one host:port (a
 * Modbus TCP gateway in front of several units) shares one socket; the
 * requests it carries at once are `buses.<host:port>.concurrency` (default 1).
 */
export const modbusTcpSource: PolledSource<ModbusTcpDevice, ModbusConnection> = {
  delivery: 'polled',
  bus: (d, config) => ({
    key: d.bus,
    concurrency: config.buses[d.bus]?.concurrency ?? 1,
    open: (logger) =>
      new ModbusConnection(
        { kind: 'tcp', host: d.host, port: d.port },
        { logger, reconnectMs: Math.min(1000, d.pollMs) },
      ),
  }),
  poller: (d, bus, events, config, logger) => new DevicePoller(d, bus, events, config.polling, logger),
};
