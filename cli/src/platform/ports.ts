import { DEFAULT_PORTS, type CommonConfig } from '@ysh/common';
import type { PlatformPorts } from './platform.ts';

/** How many ports `--port-base B` takes: B … B + PORT_SPAN - 1. */
export const PORT_SPAN = 14;

/**
 * Where every part of `ysh start` listens. By default the standard embedded
 * ports (YSH_EMBEDDED_*) and the components' default ports; with a base port,
 * one block from it instead — embedded PostgreSQL, MQTT and Kafka included —
 * so a second platform (or a test) can run beside the first.
 */
export function platformPorts(
  common: Readonly<CommonConfig>,
  base?: number,
): { ports: PlatformPorts; embedded: CommonConfig['embedded'] } {
  if (base === undefined) {
    return {
      embedded: common.embedded,
      ports: {
        kafka: common.embedded.kafkaPort,
        kafkaOps: DEFAULT_PORTS.brokerOps,
        cloudMqtt: common.embedded.mqttPort,
        siteMqtt: DEFAULT_PORTS.siteMqtt,
        gateway: DEFAULT_PORTS.gateway,
        processor: DEFAULT_PORTS.processorOps,
        sim: DEFAULT_PORTS.simModbus,
        simControl: DEFAULT_PORTS.simControl,
        edge: DEFAULT_PORTS.edgeOps + 1,
        jobs: DEFAULT_PORTS.jobsOps,
        api: DEFAULT_PORTS.api,
      },
    };
  }
  const embedded = Object.freeze({ postgresPort: base, mqttPort: base + 1, kafkaPort: base + 2 });
  return {
    embedded,
    ports: {
      kafka: embedded.kafkaPort,
      kafkaOps: base + 3,
      cloudMqtt: embedded.mqttPort,
      siteMqtt: base + 4,
      gateway: base + 5,
      processor: base + 6,
      sim: base + 7,
      simControl: base + 8,
      // Three demo sites: base + 9 … base + 11.
      edge: base + 9,
      jobs: base + 12,
      api: base + 13,
    },
  };
}
