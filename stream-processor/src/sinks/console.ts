import type { Alert } from '@ysh/common';
import type { Logger } from 'pino';
import type { AlertChannel } from '../alerts/outbox.ts';

/** One human line per alert event, e.g. `alert opened  site-sp-001/inv-0007  fault_state  …`. */
export function consoleLine(a: Alert): string {
  const target = a.device ? `${a.site}/${a.device}` : `${a.site} (site)`;
  return `alert ${a.event.padEnd(12)} ${target}  ${a.rule}  ${a.severity}  ${a.message}`;
}

/** Embedded mode in place of Slack: the line on a stream (stderr by default) and a JSON log entry. */
export function consoleChannel(logger: Logger, out: NodeJS.WritableStream | null = process.stderr): AlertChannel {
  return {
    name: 'console',
    async deliver(alert) {
      out?.write(`${consoleLine(alert)}\n`);
      logger.info({ alert }, `alert ${alert.event}`);
    },
  };
}
