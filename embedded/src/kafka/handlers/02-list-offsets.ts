import { ApiKey } from '../protocol/api-keys.ts';
import { listOffsetsRequest, listOffsetsResponse } from '../protocol/apis/list-offsets.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { defineApi } from './types.ts';

const LATEST = -1;
const EARLIEST = -2;

export const listOffsetsHandler = defineApi({
  apiKey: ApiKey.ListOffsets,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 5,
  request: listOffsetsRequest,
  response: listOffsetsResponse,
  handle(state, req) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const log = state.topics.partition(t.name, p.partitionIndex);
          if (!log) {
            return {
              partitionIndex: p.partitionIndex,
              errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              oldStyleOffsets: [],
              timestamp: -1,
              offset: -1,
              leaderEpoch: -1,
            };
          }
          let offset: number;
          let timestamp = -1;
          if (p.timestamp === LATEST) offset = log.nextOffset;
          else if (p.timestamp === EARLIEST) offset = log.logStartOffset;
          else {
            // As Kafka: -1 when no record is that recent (clients then use the end of the log).
            ({ offset, timestamp } = log.offsetForTimestamp(p.timestamp));
          }
          return {
            partitionIndex: p.partitionIndex,
            errorCode: 0,
            oldStyleOffsets: [offset],
            timestamp,
            offset,
            leaderEpoch: 0,
          };
        }),
      })),
    };
  },
});
