import type { CliCommand } from '@ysh/common';
import { runEdge } from './run.ts';

const usage = `usage: ysh edge --config site.yaml [--port P] [--data-dir D]

Polls the site's inverters (SunSpec over Modbus TCP/RTU, MQTT-native devices),
stores every reading durably and forwards it to the gateway.

  --config PATH    site config YAML (or YSH_EDGE_CONFIG)
  --port P         /health and /metrics port (default 7070, or YSH_EDGE_PORT; 0 = any)
  --data-dir D     buffer and seq state (default YSH_DATA_DIR or .ysh-data)

Signals: SIGHUP reloads the site config; SIGTERM/SIGINT stop gracefully.
See edge-agent/README.md for the config format.`;

export const commands: CliCommand[] = [
  {
    name: 'edge',
    summary: 'edge agent: poll inverters, buffer durably, forward to the gateway',
    usage,
    async run(argv) {
      const agent = await runEdge(argv);
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => undefined, 1 << 30);
        const origStop = agent.stop.bind(agent);
        agent.stop = async () => {
          await origStop();
          clearInterval(timer);
          resolve();
        };
      });
    },
  },
];
