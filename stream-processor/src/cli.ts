import {
  commonEnv,
  commandServices,
  createLogger,
  createMetricsRegistry,
  gracefulShutdown,
  intFlag,
  loadConfigOrExit,
  parseFlags,
  startOpsServer,
  type CliCommand,
} from '@ysh/common';
import { loadProcessorConfig, processorEnv } from './config.ts';

const PROCESSOR_USAGE = `Usage: ysh processor [--port P]

Stream processor: consumer group on inverters_telemetry; per-device 5-minute
event-time windows, anomaly rules and alerts (PostgreSQL, Slack, inverter_alerts
topic, InfluxDB or the local window_results table); /health and /metrics on --port.
Options come from the environment (see stream-processor/README.md); --port overrides YSH_PROCESSOR_PORT.`;

const processorCommand: CliCommand = {
  name: 'processor',
  env: { ...commonEnv, ...processorEnv },
  summary: 'run the stream processor (windows, anomaly rules, alerts, sinks)',
  usage: PROCESSOR_USAGE,
  async run(argv, context) {
    const { values } = parseFlags('processor', argv, { port: { type: 'string' } });
    const config = loadConfigOrExit(() => {
      const c = loadProcessorConfig(process.env);
      return values.port === undefined ? c : { ...c, opsPort: intFlag('port', values.port, c.opsPort, 0, 65535) };
    }, 'processor');
    const logger = createLogger('processor', { level: config.common.logLevel });
    const shutdown = gracefulShutdown({ logger, deadlineMs: 20_000 });
    const registry = createMetricsRegistry('processor');
    const services = commandServices(context, config.common, 'processor');
    // Imported when the command runs, so that `ysh` dispatching another command does not load it.
    const { startProcessor } = await import('./processor.ts');
    const processor = await startProcessor(config, { logger, registry, services });
    const ops = await startOpsServer({
      port: config.opsPort,
      host: config.common.opsHost,
      registry,
      checks: { processor: () => processor.health() },
    });
    logger.info({ health: `${ops.url}/health`, metrics: `${ops.url}/metrics` }, 'processor ready');
    shutdown.add({ name: 'processor', run: () => processor.stop() });
    shutdown.add({ name: 'ops server', run: () => ops.close() });
    await new Promise<void>(() => {});
  },
};

export const commands: CliCommand[] = [processorCommand];
