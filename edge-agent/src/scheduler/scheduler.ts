import type { Logger } from '@ysh/common';
import type { ModbusDevice, SiteConfig } from '../config/site-config.ts';
import { Bus } from '../modbus/bus.ts';
import { ModbusConnection, type ConnectionTarget } from '../modbus/connection.ts';
import { DevicePoller, type PollerEvents } from '../poller/device-poller.ts';

function targetOf(d: ModbusDevice): ConnectionTarget {
  return d.transport === 'tcp'
    ? { kind: 'tcp', host: d.host, port: d.port }
    : { kind: 'rtu', path: d.serial, baud: d.baud, parity: d.parity, dataBits: d.dataBits, stopBits: d.stopBits };
}

/**
 * Groups Modbus devices by physical bus (an RS-485 serial line, or a TCP
 * host:port) with one connection and one request limit per bus, and runs one
 * poller per device. Start times are spread over the interval so a site's
 * devices do not all hit their bus at the same instant.
 */
export class Scheduler {
  readonly buses = new Map<string, Bus>();
  readonly pollers = new Map<string, DevicePoller>();

  constructor(config: SiteConfig, events: PollerEvents, logger: Logger) {
    const modbus = config.devices.filter((d): d is ModbusDevice => d.transport !== 'mqtt');
    for (const d of modbus) {
      let bus = this.buses.get(d.bus);
      if (!bus) {
        const limit = d.transport === 'rtu' ? 1 : (config.buses[d.bus]?.concurrency ?? 1);
        bus = new Bus(
          d.bus,
          new ModbusConnection(targetOf(d), { logger, reconnectMs: Math.min(1000, d.pollMs) }),
          limit,
        );
        this.buses.set(d.bus, bus);
      }
      this.pollers.set(
        d.id,
        new DevicePoller(
          d,
          bus,
          events,
          {
            offlineAfter: config.polling.offlineAfter,
            offlineProbeMs: config.polling.offlineProbeMs,
            maxRegistersPerRead: config.polling.maxRegistersPerRead,
          },
          logger,
        ),
      );
    }
  }

  start(): void {
    const list = [...this.pollers.values()];
    list.forEach((p, i) => {
      p.start((p.device.pollMs * i) / Math.max(1, list.length));
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pollers.values()].map((p) => p.stop()));
    await Promise.all([...this.buses.values()].map((b) => b.connection.close()));
  }
}
