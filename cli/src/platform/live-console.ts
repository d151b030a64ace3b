import { type Alert, TOPICS } from '@ysh/common';
import { Kafka, logLevel } from 'kafkajs';
import { scrape, sum } from './metrics-scrape.ts';

export interface ConsoleTargets {
  gateway: string;
  processor: string;
  /** site id → edge agent /metrics URL. */
  edges: Map<string, string>;
}

export function alertLine(alert: Alert): string {
  const where = alert.device ? `${alert.site}/${alert.device}` : `${alert.site} (site)`;
  const value = alert.value === undefined ? '' : `  value=${Number(alert.value.toFixed(2))}`;
  return `alert ${alert.event.padEnd(12)} ${where.padEnd(24)} ${alert.rule.padEnd(22)} ${alert.severity.padEnd(8)}${value}  ${alert.message}`;
}

/** Prints one line per alert lifecycle event as the processor publishes it on `inverter_alerts`. */
export async function followAlerts(brokers: string[], write: (line: string) => void): Promise<() => Promise<void>> {
  const kafka = new Kafka({ clientId: 'ysh-start-console', brokers, logLevel: logLevel.NOTHING });
  // Short fetch waits: disconnecting waits for the fetch in flight, and Ctrl-C should not.
  const consumer = kafka.consumer({
    groupId: 'ysh-start-console',
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 250,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.alerts, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      try {
        write(alertLine(JSON.parse(message.value?.toString() ?? '') as Alert));
      } catch {
        // not an alert the console can show; the processor's own log has it
      }
    },
  });
  return () => consumer.disconnect();
}

/**
 * Every `everyMs`, one status line from the components' own /metrics:
 * readings/s accepted by the gateway, windows closed, alerts opened and
 * resolved, and the edge buffer depth per site.
 */
export function startSummary(targets: ConsoleTargets, write: (line: string) => void, everyMs = 5000): () => void {
  let last: { at: number; accepted: number } | undefined;
  const tick = async () => {
    const [gw, proc] = await Promise.all([scrape(targets.gateway), scrape(targets.processor)]);
    const depths: string[] = [];
    for (const [site, url] of targets.edges) {
      const samples = await scrape(url);
      depths.push(`${site}=${samples ? sum(samples, 'ysh_edge_buffer_backlog') : '?'}`);
    }
    const accepted = gw ? sum(gw, 'ysh_gateway_readings_total', { outcome: 'accepted' }) : undefined;
    const now = Date.now();
    let rate = '?';
    if (accepted !== undefined) {
      if (last) rate = ((accepted - last.accepted) / ((now - last.at) / 1000)).toFixed(1);
      last = { at: now, accepted };
    }
    const windows = proc ? sum(proc, 'ysh_processor_windows_closed_total') : '?';
    const opened = proc ? sum(proc, 'ysh_processor_alerts_opened_total') : '?';
    const resolved = proc ? sum(proc, 'ysh_processor_alerts_resolved_total') : '?';
    write(
      `readings/s ${rate}  accepted ${accepted ?? '?'}  windows closed ${windows}  alerts opened ${opened} resolved ${resolved}  buffer ${depths.join(' ')}`,
    );
  };
  const timer = setInterval(() => void tick(), everyMs);
  void tick();
  return () => clearInterval(timer);
}
