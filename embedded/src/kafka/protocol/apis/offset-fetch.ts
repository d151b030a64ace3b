import { array, arrayOf, f, message, nullableArrayOf } from '../schema.ts';

/**
 * OffsetFetch (api key 9). Served v1-v7; v6+ are flexible.
 *
 * OffsetFetch Request (Version: 7) => group_id [topics] require_stable TAG_BUFFER
 *   topics => name [partition_indexes]          -- null array (v2+) = every committed partition
 *   require_stable => BOOLEAN (v7+)
 *
 * OffsetFetch Response (Version: 7) => throttle_time_ms (v3+) [topics] error_code (v2+) TAG_BUFFER
 *   topics => name [partitions]
 *     partitions => partition_index committed_offset committed_leader_epoch (v5+) metadata error_code
 */
export const offsetFetchRequest = message(
  'OffsetFetchRequest',
  6,
  f('groupId', 'string'),
  f('topics', nullableArrayOf(f('name', 'string'), f('partitionIndexes', array('int32')))),
  f('requireStable', 'bool', '7+'),
);

export const offsetFetchResponse = message(
  'OffsetFetchResponse',
  6,
  f('throttleTimeMs', 'int32', '3+'),
  f(
    'topics',
    arrayOf(
      f('name', 'string'),
      f(
        'partitions',
        arrayOf(
          f('partitionIndex', 'int32'),
          f('committedOffset', 'int64'),
          f('committedLeaderEpoch', 'int32', '5+', -1),
          f('metadata', 'nullableString'),
          f('errorCode', 'int16'),
        ),
      ),
    ),
  ),
  f('errorCode', 'int16', '2+'),
);
