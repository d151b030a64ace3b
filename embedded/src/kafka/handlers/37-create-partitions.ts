import { ApiKey } from '../protocol/api-keys.ts';
import { createPartitionsRequest, createPartitionsResponse } from '../protocol/apis/create-partitions.ts';
import { defineApi } from './types.ts';

export const createPartitionsHandler = defineApi({
  apiKey: ApiKey.CreatePartitions,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 1,
  request: createPartitionsRequest,
  response: createPartitionsResponse,
  handle(state, req) {
    return {
      throttleTimeMs: 0,
      results: req.topics.map((t) => {
        const r = state.topics.addPartitions(t.name, t.count, req.validateOnly);
        return { name: t.name, errorCode: r.errorCode, errorMessage: r.message ?? null };
      }),
    };
  },
});
