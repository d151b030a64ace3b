import type { LogConfig } from '../log/partition-log.ts';

/**
 * Per-topic configuration, as Kafka's topic configs. The ones that change how the
 * log behaves are applied; any other well-formed name is kept and reported by
 * DescribeConfigs, so client code written for Apache Kafka keeps working.
 */
export type TopicConfigs = Record<string, string>;

const APPLIED = ['retention.ms', 'retention.bytes', 'segment.bytes', 'cleanup.policy', 'max.message.bytes'] as const;
const NAME = /^[a-z][a-z0-9.]*$/;

function intValue(name: string, value: string, min: number): number | string {
  if (!/^-?\d+$/.test(value)) return `${name} must be an integer, got ${JSON.stringify(value)}`;
  const n = Number(value);
  if (n < min) return `${name} must be >= ${min}, got ${n}`;
  return n;
}

/** The problem with a config entry, or undefined when it is acceptable. */
export function topicConfigProblem(name: string, value: string | null): string | undefined {
  if (!NAME.test(name)) return `config name ${JSON.stringify(name)} is not a Kafka config name`;
  if (value === null) return `config ${name} has no value`;
  switch (name) {
    case 'retention.ms':
    case 'retention.bytes': {
      const r = intValue(name, value, -1);
      return typeof r === 'string' ? r : undefined;
    }
    case 'segment.bytes': {
      const r = intValue(name, value, 14);
      return typeof r === 'string' ? r : undefined;
    }
    case 'max.message.bytes': {
      const r = intValue(name, value, 0);
      return typeof r === 'string' ? r : undefined;
    }
    case 'cleanup.policy':
      return value === 'delete'
        ? undefined
        : `cleanup.policy ${JSON.stringify(value)} is not supported (only "delete"; no log compaction)`;
    default:
      return undefined;
  }
}

/** The broker's log settings overridden by the topic's configs (-1 means unlimited, as in Kafka). */
export function logConfigFor(base: LogConfig, configs: TopicConfigs): LogConfig {
  const num = (k: string) => (configs[k] === undefined ? undefined : Number(configs[k]));
  const retentionMs = num('retention.ms');
  const retentionBytes = num('retention.bytes');
  return {
    ...base,
    segmentBytes: num('segment.bytes') ?? base.segmentBytes,
    retentionMs: retentionMs === undefined ? base.retentionMs : retentionMs < 0 ? undefined : retentionMs,
    retentionBytes:
      retentionBytes === undefined ? base.retentionBytes : retentionBytes < 0 ? undefined : retentionBytes,
  };
}

/** Every config DescribeConfigs reports for a topic: the effective values of the applied ones, then the stored rest. */
export function describeTopicConfigs(
  base: LogConfig,
  configs: TopicConfigs,
  maxMessageBytes: number,
): { name: string; value: string; isDefault: boolean }[] {
  const log = logConfigFor(base, configs);
  const effective: Record<(typeof APPLIED)[number], string> = {
    'retention.ms': String(log.retentionMs ?? -1),
    'retention.bytes': String(log.retentionBytes ?? -1),
    'segment.bytes': String(log.segmentBytes),
    'cleanup.policy': 'delete',
    'max.message.bytes': configs['max.message.bytes'] ?? String(maxMessageBytes),
  };
  const out: { name: string; value: string; isDefault: boolean }[] = APPLIED.map((name) => ({
    name,
    value: effective[name],
    isDefault: configs[name] === undefined,
  }));
  for (const [name, value] of Object.entries(configs)) {
    if (!(APPLIED as readonly string[]).includes(name)) out.push({ name, value, isDefault: false });
  }
  return out;
}
