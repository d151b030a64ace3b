import { writeSync } from 'node:fs';
/**
 * Child-process entry for crash tests and benchmarks:
 *   node --import tsx edge-agent/src/child.ts --config site.yaml --data-dir D --port 0
 * Logs go to stderr. Stdout carries one JSON line per event: `{"ready":{"port":P}}`
 * once started, then `{"stored":[[device,seq],...]}` after each durable write,
 * so a test knows exactly which readings the agent promised to deliver, and
 * `{"storing":[[device,seq]]}` before each write (a kill can fall between the two)
 * (only with YSH_EDGE_REPORT_STORED=1; benchmarks leave it off).
 */
import { createLogger } from '@ysh/common';
import { runEdge } from './run.ts';

const logger = createLogger('edge-agent', {
  level: (process.env.YSH_LOG_LEVEL as 'info' | undefined) ?? 'warn',
  destination: process.stderr,
});
const report = process.env.YSH_EDGE_REPORT_STORED === '1';
let pending: [string, number][] = [];
let scheduled = false;
const agent = await runEdge(process.argv.slice(2), {
  logger,
  agent: {
    // Written synchronously before the write starts: once in the pipe it survives a kill -9,
    // so every reading that can ever leave the agent was announced first.
    onStoring: (readings) => {
      if (report) writeSync(1, `${JSON.stringify({ storing: readings.map((r) => [r.device, r.seq]) })}\n`);
    },
    onStored: (readings) => {
      if (!report) return;
      for (const r of readings) pending.push([r.device, r.seq]);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          const out = pending;
          pending = [];
          process.stdout.write(`${JSON.stringify({ stored: out })}\n`);
        });
      }
    },
  },
});
process.stdout.write(`${JSON.stringify({ ready: { port: agent.ops?.port ?? null } })}\n`);
