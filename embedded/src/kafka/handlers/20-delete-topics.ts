import { ApiKey } from '../protocol/api-keys.ts';
import { deleteTopicsRequest, deleteTopicsResponse } from '../protocol/apis/delete-topics.ts';
import type { Decoded } from '../protocol/schema.ts';
import type { ApiHandler } from './types.ts';

export const deleteTopicsHandler: ApiHandler = {
  apiKey: ApiKey.DeleteTopics,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 3,
  request: deleteTopicsRequest,
  response: deleteTopicsResponse,
  handle(state, req: Decoded) {
    return {
      throttleTimeMs: 0,
      responses: (req.topicNames as string[]).map((name) => ({ name, errorCode: state.topics.delete(name) })),
    };
  },
};
