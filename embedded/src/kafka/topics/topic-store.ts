import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type DataSync, fsDataSync } from '../log/data-sync.ts';
import { type LogConfig, PartitionLog } from '../log/partition-log.ts';
import { syncDir } from '../log/segment.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { logConfigFor, type TopicConfigs, topicConfigProblem } from './topic-config.ts';

export interface Topic {
  name: string;
  id: Buffer;
  partitions: PartitionLog[];
  createdAt: string;
  configs: TopicConfigs;
}

interface TopicMeta {
  name: string;
  id: string;
  partitions: number;
  createdAt: string;
  configs?: TopicConfigs;
}

/** Limits that keep a hostile or mistaken CreateTopics from exhausting file descriptors. */
const MAX_PARTITIONS = 1_000;
const MAX_TOTAL_PARTITIONS = 4_000;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Kafka's topic-name rules: 1-249 chars of [a-zA-Z0-9._-], not "." or "..". */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'topic name is empty';
  if (name.length > 249) return 'topic name is longer than 249 characters';
  if (name === '.' || name === '..') return 'topic name cannot be "." or ".."';
  if (!LEGAL.test(name)) return 'topic name may only contain ASCII letters, digits, ".", "_" and "-"';
  return undefined;
}

function writeFileDurably(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content);
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  const dfd = openSync(join(path, '..'), 'r');
  fsyncSync(dfd);
  closeSync(dfd);
}

/**
 * Topics and their partition logs under `<dataDir>/topics/<name>/`: a `topic.json`
 * (id, partition count) and one directory per partition holding its segments.
 */
export class TopicStore {
  readonly topics = new Map<string, Topic>();
  private readonly root: string;

  constructor(
    dataDir: string,
    private readonly logConfig: LogConfig,
    private readonly logger: Logger,
    private readonly dataSync: DataSync = fsDataSync,
  ) {
    this.root = join(dataDir, 'topics');
    mkdirSync(this.root, { recursive: true });
  }

  /** Loads every topic on disk, recovering each partition log. */
  load(cleanShutdown: boolean): void {
    for (const name of readdirSync(this.root)) {
      const metaPath = join(this.root, name, 'topic.json');
      if (!existsSync(metaPath)) {
        // A creation that never completed, or a deletion that did not finish.
        rmSync(join(this.root, name), { recursive: true, force: true });
        continue;
      }
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as TopicMeta;
      const configs = meta.configs ?? {};
      const logConfig = logConfigFor(this.logConfig, configs);
      const partitions = Array.from({ length: meta.partitions }, (_, p) =>
        PartitionLog.open(join(this.root, name, String(p)), logConfig, this.logger, cleanShutdown, this.dataSync),
      );
      this.topics.set(meta.name, {
        name: meta.name,
        id: Buffer.from(meta.id, 'hex'),
        partitions,
        createdAt: meta.createdAt,
        configs,
      });
    }
    this.logger.info({ topics: this.topics.size }, 'topics loaded');
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  partition(name: string, index: number): PartitionLog | undefined {
    return this.topics.get(name)?.partitions[index];
  }

  /** Checks a creation without doing it (CreateTopics validate_only uses it too). */
  validate(name: string, partitions: number, configs: TopicConfigs = {}): { errorCode: number; message?: string } {
    const problem = topicNameProblem(name);
    if (problem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: problem };
    if (this.topics.has(name))
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `topic ${name} already exists` };
    const partitionProblem = this.partitionProblem(partitions, 0);
    if (partitionProblem) return { errorCode: ErrorCode.INVALID_PARTITIONS, message: partitionProblem };
    for (const [key, value] of Object.entries(configs)) {
      const configProblem = topicConfigProblem(key, value);
      if (configProblem) return { errorCode: ErrorCode.INVALID_CONFIG, message: configProblem };
    }
    return { errorCode: ErrorCode.NONE };
  }

  private partitionProblem(total: number, existing: number): string | undefined {
    if (!Number.isInteger(total) || total < 1 || total > MAX_PARTITIONS) {
      return `partitions must be 1..${MAX_PARTITIONS}, got ${total}`;
    }
    let hosted = 0;
    for (const t of this.topics.values()) hosted += t.partitions.length;
    if (hosted + total - existing > MAX_TOTAL_PARTITIONS) {
      return `the broker hosts at most ${MAX_TOTAL_PARTITIONS} partitions (${hosted} now)`;
    }
    return undefined;
  }

  private writeMeta(topic: Topic): void {
    const meta: TopicMeta = {
      name: topic.name,
      id: topic.id.toString('hex'),
      partitions: topic.partitions.length,
      createdAt: topic.createdAt,
      configs: topic.configs,
    };
    writeFileDurably(join(this.root, topic.name, 'topic.json'), JSON.stringify(meta));
  }

  create(
    name: string,
    partitions: number,
    configs: TopicConfigs = {},
  ): { errorCode: number; message?: string; topic?: Topic } {
    const invalid = this.validate(name, partitions, configs);
    if (invalid.errorCode !== ErrorCode.NONE) return invalid;
    const dir = join(this.root, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const id = Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
    const logConfig = logConfigFor(this.logConfig, configs);
    const logs = Array.from({ length: partitions }, (_, p) =>
      PartitionLog.open(join(dir, String(p)), logConfig, this.logger, true, this.dataSync),
    );
    const topic: Topic = { name, id, partitions: logs, createdAt: new Date().toISOString(), configs: { ...configs } };
    this.writeMeta(topic);
    syncDir(this.root);
    this.topics.set(name, topic);
    this.logger.info({ topic: name, partitions, configs }, 'topic created');
    return { errorCode: ErrorCode.NONE, topic };
  }

  /** Grows a topic to `total` partitions (Kafka never shrinks them). */
  addPartitions(name: string, total: number, validateOnly = false): { errorCode: number; message?: string } {
    const topic = this.topics.get(name);
    if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `topic ${name} does not exist` };
    const have = topic.partitions.length;
    if (total <= have) {
      return {
        errorCode: ErrorCode.INVALID_PARTITIONS,
        message: `topic ${name} has ${have} partitions; the new count must be larger, got ${total}`,
      };
    }
    const problem = this.partitionProblem(total, have);
    if (problem) return { errorCode: ErrorCode.INVALID_PARTITIONS, message: problem };
    if (validateOnly) return { errorCode: ErrorCode.NONE };
    const logConfig = logConfigFor(this.logConfig, topic.configs);
    for (let p = have; p < total; p++) {
      topic.partitions.push(
        PartitionLog.open(join(this.root, name, String(p)), logConfig, this.logger, true, this.dataSync),
      );
    }
    this.writeMeta(topic);
    this.logger.info({ topic: name, from: have, to: total }, 'partitions added');
    return { errorCode: ErrorCode.NONE };
  }

  /** The broker-wide log settings (DescribeConfigs reports topic values against them). */
  get defaults(): LogConfig {
    return this.logConfig;
  }

  delete(name: string): number {
    const topic = this.topics.get(name);
    if (!topic) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    this.topics.delete(name);
    for (const p of topic.partitions) p.close();
    const dir = join(this.root, name);
    // Remove topic.json first so a crash half-way leaves a directory that load() discards.
    rmSync(join(dir, 'topic.json'), { force: true });
    rmSync(dir, { recursive: true, force: true });
    this.logger.info({ topic: name }, 'topic deleted');
    return ErrorCode.NONE;
  }

  *allPartitions(): Generator<PartitionLog> {
    for (const t of this.topics.values()) yield* t.partitions;
  }

  async syncAll(): Promise<void> {
    await Promise.all([...this.allPartitions()].map((p) => p.sync()));
  }

  applyRetention(): void {
    for (const p of this.allPartitions()) p.applyRetention();
  }

  /** Closes every partition log; false when one of them could not be flushed (see PartitionLog.close). */
  close(): boolean {
    let flushed = true;
    for (const p of this.allPartitions()) if (!p.close()) flushed = false;
    return flushed;
  }
}
