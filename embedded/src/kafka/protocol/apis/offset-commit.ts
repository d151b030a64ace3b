import { arrayOf, f, message } from '../schema.ts';

/**
 * OffsetCommit (api key 8). Served v2-v7; v8+ are flexible.
 *
 * OffsetCommit Request (Version: 7) => group_id generation_id member_id group_instance_id [topics]
 *   generation_id => INT32 (v1+), member_id => STRING (v1+), group_instance_id => NULLABLE_STRING (v7+)
 *   retention_time_ms => INT64 (v2-v4)
 *   topics => name [partitions]
 *     partitions => partition_index committed_offset committed_leader_epoch (v6+) commit_timestamp (v1) committed_metadata
 *
 * OffsetCommit Response (Version: 7) => throttle_time_ms (v3+) [topics]
 *   topics => name [partitions]
 *     partitions => partition_index error_code
 */
export const offsetCommitRequest = message(
  'OffsetCommitRequest',
  8,
  f('groupId', 'string'),
  f('generationId', 'int32', '1+', -1),
  f('memberId', 'string', '1+'),
  f('groupInstanceId', 'nullableString', '7+', null),
  f('retentionTimeMs', 'int64', '2-4', -1),
  f(
    'topics',
    arrayOf(
      f('name', 'string'),
      f(
        'partitions',
        arrayOf(
          f('partitionIndex', 'int32'),
          f('committedOffset', 'int64'),
          f('committedLeaderEpoch', 'int32', '6+', -1),
          f('commitTimestamp', 'int64', '1', -1),
          f('committedMetadata', 'nullableString'),
        ),
      ),
    ),
  ),
);

export const offsetCommitResponse = message(
  'OffsetCommitResponse',
  8,
  f('throttleTimeMs', 'int32', '3+'),
  f(
    'topics',
    arrayOf(f('name', 'string'), f('partitions', arrayOf(f('partitionIndex', 'int32'), f('errorCode', 'int16')))),
  ),
);
