import { array, arrayOf, f, message } from '../schema.ts';

/**
 * DeleteTopics (api key 20). Served v0-v3; v4+ are flexible.
 *
 * DeleteTopics Request (Version: 3) => [topic_names] timeout_ms
 * DeleteTopics Response (Version: 3) => throttle_time_ms (v1+) [responses]
 *   responses => name error_code
 */
export const deleteTopicsRequest = message(
  'DeleteTopicsRequest',
  4,
  f('topicNames', array('string')),
  f('timeoutMs', 'int32'),
);

export const deleteTopicsResponse = message(
  'DeleteTopicsResponse',
  4,
  f('throttleTimeMs', 'int32', '1+'),
  f('responses', arrayOf(f('name', 'string'), f('errorCode', 'int16'))),
);
