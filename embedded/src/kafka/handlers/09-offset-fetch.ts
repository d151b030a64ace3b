import { ApiKey } from '../protocol/api-keys.ts';
import { offsetFetchRequest, offsetFetchResponse } from '../protocol/apis/offset-fetch.ts';
import { defineApi } from './types.ts';

export const offsetFetchHandler = defineApi({
  apiKey: ApiKey.OffsetFetch,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 7,
  request: offsetFetchRequest,
  response: offsetFetchResponse,
  handle(state, req) {
    const groupId = req.groupId;
    let wanted = req.topics;
    if (wanted === null) {
      wanted = [...state.groups.offsets.all(groupId)].map(([name, parts]) => ({
        name,
        partitionIndexes: [...parts.keys()],
      }));
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      topics: wanted.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => {
          const c = state.groups.offsets.get(groupId, t.name, p);
          return {
            partitionIndex: p,
            committedOffset: c ? c.offset : -1,
            committedLeaderEpoch: -1,
            metadata: c ? (c.metadata ?? '') : '',
            errorCode: 0,
          };
        }),
      })),
    };
  },
});
