import { array, arrayOf, f, message } from '../schema.ts';

/**
 * CreateTopics (api key 19). Served v0-v4; v5+ are flexible.
 *
 * CreateTopics Request (Version: 4) => [topics] timeout_ms validate_only (v1+)
 *   topics => name num_partitions replication_factor [assignments] [configs]
 *     assignments => partition_index [broker_ids]
 *     configs => name value (NULLABLE_STRING)
 * CreateTopics Response (Version: 4) => throttle_time_ms (v2+) [topics]
 *   topics => name error_code error_message (v1+)
 */
export const createTopicsRequest = message(
  'CreateTopicsRequest',
  5,
  f(
    'topics',
    arrayOf(
      f('name', 'string'),
      f('numPartitions', 'int32'),
      f('replicationFactor', 'int16'),
      f('assignments', arrayOf(f('partitionIndex', 'int32'), f('brokerIds', array('int32')))),
      f('configs', arrayOf(f('name', 'string'), f('value', 'nullableString'))),
    ),
  ),
  f('timeoutMs', 'int32'),
  f('validateOnly', 'bool', '1+'),
);

export const createTopicsResponse = message(
  'CreateTopicsResponse',
  5,
  f('throttleTimeMs', 'int32', '2+'),
  f('topics', arrayOf(f('name', 'string'), f('errorCode', 'int16'), f('errorMessage', 'nullableString', '1+', null))),
);
