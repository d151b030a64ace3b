import { ApiKey } from '../protocol/api-keys.ts';
import { metadataRequest, metadataResponse } from '../protocol/apis/metadata.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { type Topic, topicNameProblem } from '../topics/topic-store.ts';
import { type BrokerState, defineApi } from './types.ts';

const UNKNOWN_TOPIC_ID = 100;

function describe(state: BrokerState, topic: Topic) {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: false,
    partitions: topic.partitions.map((_, i) => ({
      errorCode: 0,
      partitionIndex: i,
      leaderId: state.nodeId,
      leaderEpoch: 0,
      replicaNodes: [state.nodeId],
      isrNodes: [state.nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: -2147483648,
  };
}

function missing(name: string | null, errorCode: number) {
  return {
    errorCode,
    name,
    topicId: Buffer.alloc(16),
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: -2147483648,
  };
}

export const metadataHandler = defineApi({
  apiKey: ApiKey.Metadata,
  name: 'Metadata',
  minVersion: 1,
  maxVersion: 12,
  request: metadataRequest,
  response: metadataResponse,
  handle(state, req, ctx) {
    const requested = req.topics;
    const all = requested === null || (ctx.header.apiVersion === 0 && requested.length === 0);
    const topics = all
      ? [...state.topics.topics.values()].map((t) => describe(state, t))
      : requested.map(({ name, topicId }) => {
          if (name === null) {
            const byId = [...state.topics.topics.values()].find((t) => t.id.equals(topicId));
            return byId ? describe(state, byId) : missing(null, UNKNOWN_TOPIC_ID);
          }
          const existing = state.topics.get(name);
          if (existing) return describe(state, existing);
          if (topicNameProblem(name)) return missing(name, ErrorCode.INVALID_TOPIC_EXCEPTION);
          if (state.autoCreateTopics && req.allowAutoTopicCreation !== false && !state.closing) {
            const created = state.topics.create(name, state.defaultPartitions);
            if (created.topic) return describe(state, created.topic);
            return missing(name, created.errorCode);
          }
          return missing(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        });
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: state.nodeId, host: state.host, port: state.port, rack: null }],
      clusterId: state.clusterId,
      controllerId: state.nodeId,
      topics,
      clusterAuthorizedOperations: -2147483648,
    };
  },
});
