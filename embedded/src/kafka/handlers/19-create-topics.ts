import { ApiKey } from '../protocol/api-keys.ts';
import { createTopicsRequest, createTopicsResponse } from '../protocol/apis/create-topics.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { topicConfigProblem } from '../topics/topic-config.ts';
import { defineApi } from './types.ts';

export const createTopicsHandler = defineApi({
  apiKey: ApiKey.CreateTopics,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 4,
  request: createTopicsRequest,
  response: createTopicsResponse,
  handle(state, req) {
    const seen = new Set<string>();
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        const answer = (errorCode: number, errorMessage: string | null = null) => ({
          name: t.name,
          errorCode,
          errorMessage,
        });
        if (seen.has(t.name)) return answer(ErrorCode.INVALID_REQUEST, `topic ${t.name} appears twice in the request`);
        seen.add(t.name);
        if (t.replicationFactor > 1) {
          return answer(
            ErrorCode.INVALID_REPLICATION_FACTOR,
            `replication factor ${t.replicationFactor} on a single-node broker`,
          );
        }
        const partitions =
          t.assignments.length > 0
            ? t.assignments.length
            : t.numPartitions === -1
              ? state.defaultPartitions
              : t.numPartitions;
        const configs: Record<string, string> = {};
        for (const c of t.configs) {
          const problem = topicConfigProblem(c.name, c.value);
          if (problem) return answer(ErrorCode.INVALID_CONFIG, problem);
          configs[c.name] = c.value!;
        }
        if (req.validateOnly) {
          const check = state.topics.validate(t.name, partitions, configs);
          return answer(check.errorCode, check.message ?? null);
        }
        const created = state.topics.create(t.name, partitions, configs);
        return answer(created.errorCode, created.message ?? null);
      }),
    };
  },
});
