import { ConfigError, DEFAULT_PORTS, env, loadCommonConfig, readEnv, TOPICS, type CommonConfig } from '@ysh/common';
import { DEFAULT_OUTBOX_OPTIONS, type OutboxOptions } from './alerts/outbox.ts';
import { resolveRules, type RulesConfig, type RulesOverrides } from './rules/config.ts';
import type { InfluxOptions } from './sinks/influx.ts';
import type { SlackOptions } from './sinks/slack.ts';
import type { WindowOptions } from './windows/window-manager.ts';

/** Every option of the processor, durations in milliseconds. */
export interface ProcessorConfig {
  common: CommonConfig;
  groupId: string;
  topic: string;
  alertsTopic: string;
  opsPort: number;
  windows: WindowOptions;
  expectedIntervalMs: number;
  rules: RulesConfig;
  nameplates: Record<string, number>;
  commitIntervalMs: number;
  /** Least time between sink writes between checkpoints (0: as soon as the previous write is done). */
  publishIntervalMs: number;
  /** Every n-th checkpoint stores device state and offsets too. */
  stateEvery: number;
  tickIntervalMs: number;
  sessionTimeoutMs: number;
  /** Most bytes kafkajs fetches per partition in one request. */
  maxBytesPerPartition: number;
  /** How long a fetch waits at the broker for new messages; no batch for longer means the consumer is caught up. */
  fetchWaitMs: number;
  siteWaitMs: number;
  siteActiveHorizonMs: number;
  commLossCheckMs: number;
  escalateAfterMs: number;
  outbox: OutboxOptions;
  influx: Omit<InfluxOptions, 'logger'> | undefined;
  slack: SlackOptions | undefined;
  /** Print alert lines on stderr (embedded mode, or when asked). */
  consoleAlerts: boolean;
}

export const processorEnv = {
  YSH_PROCESSOR_GROUP: env.string({ default: 'ysh-processor', expects: 'a Kafka consumer group id' }),
  YSH_PROCESSOR_TOPIC: env.string({ default: TOPICS.telemetry, expects: 'a Kafka topic name' }),
  YSH_PROCESSOR_PORT: env.port({ default: DEFAULT_PORTS.processorOps }),
  YSH_PROCESSOR_WINDOW: env.duration({ default: '5m' }),
  YSH_PROCESSOR_LATENESS: env.duration({ default: '1m' }),
  YSH_PROCESSOR_IDLE_TIMEOUT: env.duration({ default: '2m' }),
  YSH_PROCESSOR_CORRECTION_CACHE: env.duration({ default: '2h' }),
  YSH_PROCESSOR_ENERGY_ACROSS_BOUNDARIES: env.bool({ default: false }),
  YSH_PROCESSOR_EXPECTED_INTERVAL: env.duration({ default: '10s' }),
  YSH_PROCESSOR_COMMIT_INTERVAL: env.duration({ default: '2s' }),
  YSH_PROCESSOR_PUBLISH_INTERVAL: env.duration({ default: '0ms' }),
  YSH_PROCESSOR_TICK: env.duration({ default: '1s' }),
  YSH_PROCESSOR_NOTIFY_INTERVAL: env.duration({ default: '500ms' }),
  YSH_PROCESSOR_STATE_EVERY: env.int({ default: 5, min: 1, max: 1000 }),
  YSH_PROCESSOR_SESSION_TIMEOUT: env.duration({ default: '30s' }),
  YSH_PROCESSOR_FETCH_WAIT: env.duration({ default: '200ms' }),
  YSH_PROCESSOR_FETCH_BYTES: env.int({ default: 4 * 1024 * 1024, min: 1024, max: 256 * 1024 * 1024 }),
  YSH_PROCESSOR_SITE_WAIT: env.duration({ default: '5m' }),
  YSH_PROCESSOR_COMM_LOSS_PERIODS: env.int({ default: 30, min: 1, max: 100_000 }),
  YSH_PROCESSOR_COMM_LOSS_CHECK: env.duration({ default: '15s' }),
  YSH_PROCESSOR_ESCALATE_AFTER: env.duration({ default: '1h' }),
  YSH_PROCESSOR_RULES: env.optional(env.string({ expects: 'a JSON object of per-rule parameter overrides' })),
  YSH_PROCESSOR_NAMEPLATES: env.optional(env.string({ expects: 'a JSON object {"<device>": <Wp>}' })),
  YSH_PROCESSOR_CONSOLE_ALERTS: env.optional(env.bool()),
  YSH_INFLUX_URL: env.optional(env.url({ protocols: ['http:', 'https:'] })),
  YSH_INFLUX_TOKEN: env.string({ default: '-', expects: 'an InfluxDB API token' }),
  YSH_INFLUX_ORG: env.string({ default: 'ysh', expects: 'an InfluxDB organization' }),
  YSH_INFLUX_BUCKET: env.string({ default: 'telemetry', expects: 'an InfluxDB bucket' }),
  YSH_INFLUX_RAW: env.bool({ default: false }),
  YSH_INFLUX_GZIP: env.bool({ default: false }),
  SLACK_BOT_TOKEN: env.optional(env.string({ expects: 'a Slack bot token (xoxb-…)' })),
  YSH_SLACK_CHANNEL: env.string({ default: '#solar-alerts', expects: 'a Slack channel name or id' }),
  YSH_SLACK_API_URL: env.optional(env.url({ protocols: ['http:', 'https:'] })),
  YSH_ALERT_LINK_BASE_URL: env.optional(env.url({ protocols: ['http:', 'https:'] })),
};

function parseJson(name: string, raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(name, `expected valid JSON (${(err as Error).message})`);
  }
}

function nameplatesOf(raw: unknown): Record<string, number> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('YSH_PROCESSOR_NAMEPLATES', 'expected a JSON object {"<device>": <Wp>}');
  }
  for (const [device, wp] of Object.entries(raw)) {
    if (typeof wp !== 'number' || !(wp > 0)) {
      throw new ConfigError(
        'YSH_PROCESSOR_NAMEPLATES',
        `${device}: expected a positive number of Wp, got ${JSON.stringify(wp)}`,
      );
    }
  }
  return raw as Record<string, number>;
}

/** The processor's options from the environment; a wrong value is one ConfigError naming the variable. */
export function loadProcessorConfig(source: NodeJS.ProcessEnv, cwd = process.cwd()): Readonly<ProcessorConfig> {
  const common = loadCommonConfig(source, cwd);
  const e = readEnv(processorEnv, source);
  let rules: RulesConfig;
  try {
    rules = resolveRules(parseJson('YSH_PROCESSOR_RULES', e.YSH_PROCESSOR_RULES) as RulesOverrides | undefined);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError('YSH_PROCESSOR_RULES', (err as Error).message);
  }
  rules.comm_loss.expectedIntervalMs = e.YSH_PROCESSOR_EXPECTED_INTERVAL;
  rules.comm_loss.periods = e.YSH_PROCESSOR_COMM_LOSS_PERIODS;
  if (e.YSH_PROCESSOR_WINDOW < e.YSH_PROCESSOR_EXPECTED_INTERVAL) {
    throw new ConfigError(
      'YSH_PROCESSOR_WINDOW',
      'expected a window at least as long as YSH_PROCESSOR_EXPECTED_INTERVAL',
    );
  }
  const embeddedAlerts = e.SLACK_BOT_TOKEN === undefined;
  return Object.freeze({
    common,
    groupId: e.YSH_PROCESSOR_GROUP,
    topic: e.YSH_PROCESSOR_TOPIC,
    alertsTopic: TOPICS.alerts,
    opsPort: e.YSH_PROCESSOR_PORT,
    windows: {
      sizeMs: e.YSH_PROCESSOR_WINDOW,
      allowedLatenessMs: e.YSH_PROCESSOR_LATENESS,
      idleTimeoutMs: e.YSH_PROCESSOR_IDLE_TIMEOUT,
      correctionCacheMs: e.YSH_PROCESSOR_CORRECTION_CACHE,
      energyAcrossBoundaries: e.YSH_PROCESSOR_ENERGY_ACROSS_BOUNDARIES,
    },
    expectedIntervalMs: e.YSH_PROCESSOR_EXPECTED_INTERVAL,
    rules,
    nameplates: nameplatesOf(parseJson('YSH_PROCESSOR_NAMEPLATES', e.YSH_PROCESSOR_NAMEPLATES)),
    commitIntervalMs: e.YSH_PROCESSOR_COMMIT_INTERVAL,
    publishIntervalMs: e.YSH_PROCESSOR_PUBLISH_INTERVAL,
    stateEvery: e.YSH_PROCESSOR_STATE_EVERY,
    tickIntervalMs: Math.max(50, e.YSH_PROCESSOR_TICK),
    sessionTimeoutMs: e.YSH_PROCESSOR_SESSION_TIMEOUT,
    maxBytesPerPartition: e.YSH_PROCESSOR_FETCH_BYTES,
    fetchWaitMs: Math.max(10, e.YSH_PROCESSOR_FETCH_WAIT),
    siteWaitMs: e.YSH_PROCESSOR_SITE_WAIT,
    siteActiveHorizonMs: e.YSH_PROCESSOR_EXPECTED_INTERVAL * e.YSH_PROCESSOR_COMM_LOSS_PERIODS,
    commLossCheckMs: e.YSH_PROCESSOR_COMM_LOSS_CHECK,
    escalateAfterMs: e.YSH_PROCESSOR_ESCALATE_AFTER,
    outbox: { ...DEFAULT_OUTBOX_OPTIONS, intervalMs: Math.max(10, e.YSH_PROCESSOR_NOTIFY_INTERVAL) },
    influx: e.YSH_INFLUX_URL
      ? {
          url: e.YSH_INFLUX_URL,
          token: e.YSH_INFLUX_TOKEN,
          org: e.YSH_INFLUX_ORG,
          bucket: e.YSH_INFLUX_BUCKET,
          writeRaw: e.YSH_INFLUX_RAW,
          gzip: e.YSH_INFLUX_GZIP,
        }
      : undefined,
    slack: e.SLACK_BOT_TOKEN
      ? {
          token: e.SLACK_BOT_TOKEN,
          channel: e.YSH_SLACK_CHANNEL,
          ...(e.YSH_SLACK_API_URL ? { slackApiUrl: e.YSH_SLACK_API_URL } : {}),
          ...(e.YSH_ALERT_LINK_BASE_URL ? { linkBaseUrl: e.YSH_ALERT_LINK_BASE_URL } : {}),
        }
      : undefined,
    consoleAlerts: e.YSH_PROCESSOR_CONSOLE_ALERTS ?? embeddedAlerts,
  });
}
