import { ApiKey } from '../protocol/api-keys.ts';
import { offsetCommitRequest, offsetCommitResponse } from '../protocol/apis/offset-commit.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { defineApi } from './types.ts';

export const offsetCommitHandler = defineApi({
  apiKey: ApiKey.OffsetCommit,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 7,
  request: offsetCommitRequest,
  response: offsetCommitResponse,
  async handle(state, req) {
    const groupError =
      req.groupId === ''
        ? ErrorCode.INVALID_GROUP_ID
        : state.groups.getOrCreate(req.groupId).commitError(req.generationId, req.memberId);
    const entries: { topic: string; partition: number; offset: number; metadata: string | null }[] = [];
    const response = {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          let errorCode: number = groupError;
          if (errorCode === 0 && !state.topics.partition(t.name, p.partitionIndex)) {
            errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          }
          if (errorCode === 0) {
            entries.push({
              topic: t.name,
              partition: p.partitionIndex,
              offset: p.committedOffset,
              metadata: p.committedMetadata,
            });
          }
          return { partitionIndex: p.partitionIndex, errorCode };
        }),
      })),
    };
    if (entries.length > 0) {
      state.groups.offsets.commit(req.groupId, entries);
      if (state.fsyncPerBatch) {
        try {
          await state.groups.offsets.sync();
        } catch (err) {
          state.logger.error({ err }, 'fsync of committed offsets failed');
          for (const t of response.topics) for (const p of t.partitions) p.errorCode = ErrorCode.UNKNOWN_SERVER_ERROR;
        }
      }
    }
    return response;
  },
});
