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
import { type LogConfig, PartitionLog } from '../log/partition-log.ts';
import { syncDir } from '../log/segment.ts';
import { ErrorCode } from '../protocol/error-codes.ts';

export interface Topic {
  name: string;
  id: Buffer;
  partitions: PartitionLog[];
  createdAt: string;
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
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as {
        name: string;
        id: string;
        partitions: number;
        createdAt: string;
      };
      const partitions = Array.from({ length: meta.partitions }, (_, p) =>
        PartitionLog.open(join(this.root, name, String(p)), this.logConfig, this.logger, cleanShutdown),
      );
      this.topics.set(meta.name, {
        name: meta.name,
        id: Buffer.from(meta.id, 'hex'),
        partitions,
        createdAt: meta.createdAt,
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

  create(name: string, partitions: number): { errorCode: number; message?: string; topic?: Topic } {
    const problem = topicNameProblem(name);
    if (problem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: problem };
    if (this.topics.has(name))
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `topic ${name} already exists` };
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      return {
        errorCode: ErrorCode.INVALID_PARTITIONS,
        message: `partitions must be 1..${MAX_PARTITIONS}, got ${partitions}`,
      };
    }
    let hosted = 0;
    for (const t of this.topics.values()) hosted += t.partitions.length;
    if (hosted + partitions > MAX_TOTAL_PARTITIONS) {
      return {
        errorCode: ErrorCode.INVALID_PARTITIONS,
        message: `the broker hosts at most ${MAX_TOTAL_PARTITIONS} partitions (${hosted} now)`,
      };
    }
    const dir = join(this.root, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const id = Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
    const logs = Array.from({ length: partitions }, (_, p) =>
      PartitionLog.open(join(dir, String(p)), this.logConfig, this.logger, true),
    );
    const createdAt = new Date().toISOString();
    writeFileDurably(join(dir, 'topic.json'), JSON.stringify({ name, id: id.toString('hex'), partitions, createdAt }));
    syncDir(this.root);
    const topic: Topic = { name, id, partitions: logs, createdAt };
    this.topics.set(name, topic);
    this.logger.info({ topic: name, partitions }, 'topic created');
    return { errorCode: ErrorCode.NONE, topic };
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

  close(): void {
    for (const p of this.allPartitions()) p.close();
  }
}
