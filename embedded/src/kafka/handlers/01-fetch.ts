import { ApiKey } from '../protocol/api-keys.ts';
import { type FetchRequest, fetchRequest, fetchResponse } from '../protocol/apis/fetch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { PartitionLog } from '../log/partition-log.ts';
import { type BrokerState, defineApi } from './types.ts';

/** Upper bound on a long-poll, whatever the client asks. */
const MAX_WAIT_MS = 60_000;

function countRecords(chunks: Buffer[]): number {
  let n = 0;
  for (const c of chunks) {
    for (let at = 0; at + 61 <= c.length; at += 12 + c.readInt32BE(at + 8)) n += c.readInt32BE(at + 57);
  }
  return n;
}

function collect(state: BrokerState, req: FetchRequest) {
  let total = 0;
  let errors = false;
  const logs: PartitionLog[] = [];
  const responses = req.topics.map((t) => {
    const topic = state.topics.get(t.topic);
    return {
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const log = topic?.partitions[p.partition];
        if (!log) {
          errors = true;
          return {
            partitionIndex: p.partition,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            highWatermark: -1,
            lastStableOffset: -1,
            logStartOffset: -1,
            abortedTransactions: [],
            preferredReadReplica: -1,
            records: null,
          };
        }
        logs.push(log);
        // The client's limits, capped by the broker's (memory per response stays bounded whatever is asked).
        const maxBytes = Math.min(req.maxBytes, state.maxFetchBytes);
        const partitionMax = Math.min(p.partitionMaxBytes, state.maxFetchBytes);
        const budget = total === 0 ? partitionMax : Math.min(partitionMax, maxBytes - total);
        const read =
          budget > 0 || total === 0
            ? log.read(p.fetchOffset, Math.max(budget, 1))
            : { errorCode: 0, chunks: [], bytes: 0 };
        if (read.errorCode !== 0) errors = true;
        total += read.bytes;
        const hw = log.nextOffset;
        return {
          partitionIndex: p.partition,
          errorCode: read.errorCode,
          highWatermark: hw,
          lastStableOffset: hw,
          logStartOffset: log.logStartOffset,
          abortedTransactions: [],
          preferredReadReplica: -1,
          records: read.chunks,
        };
      }),
    };
  });
  return { responses, total, errors, logs };
}

export const fetchHandler = defineApi({
  apiKey: ApiKey.Fetch,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 11,
  request: fetchRequest,
  response: fetchResponse,
  async handle(state, req) {
    const deadline = Date.now() + Math.min(Math.max(req.maxWaitMs, 0), MAX_WAIT_MS);
    let round = collect(state, req);
    while (!round.errors && round.total < Math.max(req.minBytes, 1) && !state.closing) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const offs = round.logs.map((l) => l.onAppend(done));
        const timer = setTimeout(done, left);
        state.closeWaiters.add(done);
        function done(): void {
          clearTimeout(timer);
          for (const off of offs) off();
          state.closeWaiters.delete(done);
          resolve();
        }
      });
      round = collect(state, req);
    }
    for (const t of round.responses) {
      let bytes = 0;
      let records = 0;
      for (const p of t.partitions) {
        if (!p.records) continue;
        for (const c of p.records) bytes += c.length;
        records += countRecords(p.records);
      }
      if (bytes > 0) {
        state.metrics.bytesOut.inc({ topic: t.topic }, bytes);
        state.metrics.messagesOut.inc({ topic: t.topic }, records);
      }
    }
    return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: round.responses };
  },
});
