import type { CliCommand } from '@ysh/common';
import { EDGE_USAGE, edgeMain } from './edge-commands.ts';
import { edgeEnv } from './config/edge-config.ts';

export const commands: CliCommand[] = [
  {
    name: 'edge',
    env: edgeEnv,
    summary: 'edge agent: poll inverters, buffer durably, forward to the gateway (also enroll, install-service)',
    usage: EDGE_USAGE.replaceAll('ysh-edge', 'ysh edge'),
    async run(argv) {
      const code = await edgeMain(argv);
      if (code !== 0) process.exitCode = code;
    },
  },
];
