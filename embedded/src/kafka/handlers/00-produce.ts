import { ApiKey } from '../protocol/api-keys.ts';
import { produceRequest, produceResponse } from '../protocol/apis/produce.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { checkBatch } from '../protocol/record-batch.ts';
import type { PartitionLog } from '../log/partition-log.ts';
import { type BrokerState, CLOSE_CONNECTION, defineApi } from './types.ts';

interface PartitionResult {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  recordErrors: never[];
  errorMessage: string | null;
}

function result(
  index: number,
  errorCode: number,
  baseOffset = -1,
  logStartOffset = -1,
  errorMessage: string | null = null,
): PartitionResult {
  return { index, errorCode, baseOffset, logAppendTimeMs: -1, logStartOffset, recordErrors: [], errorMessage };
}

/** Validates every batch of one partition's records (all or nothing), then appends them. */
function appendPartition(
  state: BrokerState,
  topic: string,
  log: PartitionLog,
  index: number,
  records: Buffer | null,
  maxBytes: number,
): PartitionResult {
  if (records === null || records.length === 0) return result(index, ErrorCode.CORRUPT_MESSAGE, -1, -1, 'no records');
  const bounds: [number, number][] = [];
  for (let at = 0; at < records.length; ) {
    const check = checkBatch(records, at);
    if ('problem' in check) {
      state.metrics.corruptBatches.inc({ topic });
      const code = check.problem === 'magic' ? ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT : ErrorCode.CORRUPT_MESSAGE;
      return result(index, code, -1, -1, `record batch at byte ${at}: ${check.problem}`);
    }
    if (check.size > maxBytes) {
      return result(
        index,
        ErrorCode.MESSAGE_TOO_LARGE,
        -1,
        -1,
        `batch of ${check.size} bytes exceeds max.message.bytes ${maxBytes}`,
      );
    }
    bounds.push([at, at + check.size]);
    at += check.size;
  }
  let first = -1;
  for (const [start, end] of bounds) {
    let r: ReturnType<PartitionLog['append']>;
    try {
      r = log.append(records.subarray(start, end));
    } catch (err) {
      // Disk full or I/O error: nothing half-written counts (the next append overwrites from the last good size).
      state.logger.error({ err, topic, partition: index }, 'append failed');
      return result(
        index,
        ErrorCode.KAFKA_STORAGE_ERROR,
        -1,
        log.logStartOffset,
        'the broker could not write the batch',
      );
    }
    if (r.errorCode !== 0) return result(index, r.errorCode, -1, log.logStartOffset);
    if (first < 0) first = r.baseOffset;
    if ('records' in r && !r.duplicate) {
      state.metrics.bytesIn.inc({ topic }, r.bytes);
      state.metrics.messagesIn.inc({ topic }, r.records);
    }
  }
  return result(index, ErrorCode.NONE, first, log.logStartOffset);
}

export const produceHandler = defineApi({
  apiKey: ApiKey.Produce,
  name: 'Produce',
  // v0-v2 are advertised although no current client sends them: librdkafka < 2.10 only
  // compresses (gzip/snappy) when the broker lists Produce v0. Magic 0/1 message sets
  // are refused with UNSUPPORTED_FOR_MESSAGE_FORMAT.
  minVersion: 0,
  maxVersion: 8,
  request: produceRequest,
  response: produceResponse,
  async handle(state, req) {
    const validAcks = req.acks === -1 || req.acks === 0 || req.acks === 1;
    const touched = new Set<PartitionLog>();
    const responses = req.topicData.map((t) => {
      const topic = state.topics.get(t.name);
      return {
        name: t.name,
        partitionResponses: t.partitionData.map((p) => {
          if (!validAcks) return result(p.index, ErrorCode.INVALID_REQUIRED_ACKS);
          const log = topic?.partitions[p.index];
          if (!log) return result(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          const limit = Number(topic?.configs['max.message.bytes'] ?? state.maxMessageBytes);
          const r = appendPartition(state, t.name, log, p.index, p.records, limit);
          if (r.errorCode === 0) touched.add(log);
          return r;
        }),
      };
    });
    if (req.acks === 0) {
      // No response to carry an error: Kafka closes the connection so the producer notices.
      const failed = responses.some((t) => t.partitionResponses.some((p) => p.errorCode !== 0));
      return failed ? CLOSE_CONNECTION : null;
    }
    if (state.fsyncPerBatch && touched.size > 0) {
      try {
        await Promise.all([...touched].map((l) => l.sync()));
      } catch (err) {
        state.logger.error({ err }, 'fsync failed');
        for (const t of responses) {
          for (const p of t.partitionResponses) if (p.errorCode === 0) p.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
        }
      }
    }
    return { responses, throttleTimeMs: 0 };
  },
});
