import { ApiKey } from '../protocol/api-keys.ts';
import { deleteTopicsRequest, deleteTopicsResponse } from '../protocol/apis/delete-topics.ts';
import { defineApi } from './types.ts';

export const deleteTopicsHandler = defineApi({
  apiKey: ApiKey.DeleteTopics,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 3,
  request: deleteTopicsRequest,
  response: deleteTopicsResponse,
  handle(state, req) {
    return {
      throttleTimeMs: 0,
      responses: req.topicNames.map((name) => ({ name, errorCode: state.topics.delete(name) })),
    };
  },
});
