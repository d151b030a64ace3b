import { array, arrayOf, f, message, nullableArrayOf } from '../schema.ts';

/**
 * CreatePartitions (api key 37). Served v0-v1; v2+ are flexible.
 *
 * CreatePartitions Request (Version: 1) => [topics] timeout_ms validate_only
 *   topics => name count [assignments] (nullable)
 *     assignments => [broker_ids]
 * CreatePartitions Response (Version: 1) => throttle_time_ms [results]
 *   results => name error_code error_message
 */
export const createPartitionsRequest = message(
  'CreatePartitionsRequest',
  2,
  f(
    'topics',
    arrayOf(
      f('name', 'string'),
      f('count', 'int32'),
      f('assignments', nullableArrayOf(f('brokerIds', array('int32')))),
    ),
  ),
  f('timeoutMs', 'int32'),
  f('validateOnly', 'bool'),
);

export const createPartitionsResponse = message(
  'CreatePartitionsResponse',
  2,
  f('throttleTimeMs', 'int32'),
  f('results', arrayOf(f('name', 'string'), f('errorCode', 'int16'), f('errorMessage', 'nullableString', '0+', null))),
);
