import { array, arrayOf, f, message } from '../schema.ts';

/**
 * ListOffsets (api key 2). Served v1-v5; v6+ are flexible.
 *
 * ListOffsets Request (Version: 5) => replica_id isolation_level [topics]
 *   replica_id => INT32, isolation_level => INT8 (v2+)
 *   topics => name [partitions]
 *     partitions => partition_index current_leader_epoch (v4+) timestamp max_num_offsets (v0 only)
 *       timestamp => INT64 (-1 latest, -2 earliest)
 *
 * ListOffsets Response (Version: 5) => throttle_time_ms (v2+) [topics]
 *   topics => name [partitions]
 *     partitions => partition_index error_code [old_style_offsets] (v0) timestamp (v1+) offset (v1+) leader_epoch (v4+)
 */
export const listOffsetsRequest = message(
  'ListOffsetsRequest',
  6,
  f('replicaId', 'int32'),
  f('isolationLevel', 'int8', '2+'),
  f(
    'topics',
    arrayOf(
      f('name', 'string'),
      f(
        'partitions',
        arrayOf(
          f('partitionIndex', 'int32'),
          f('currentLeaderEpoch', 'int32', '4+', -1),
          f('timestamp', 'int64'),
          f('maxNumOffsets', 'int32', '0', 1),
        ),
      ),
    ),
  ),
);

export const listOffsetsResponse = message(
  'ListOffsetsResponse',
  6,
  f('throttleTimeMs', 'int32', '2+'),
  f(
    'topics',
    arrayOf(
      f('name', 'string'),
      f(
        'partitions',
        arrayOf(
          f('partitionIndex', 'int32'),
          f('errorCode', 'int16'),
          f('oldStyleOffsets', array('int64'), '0'),
          f('timestamp', 'int64', '1+', -1),
          f('offset', 'int64', '1+', -1),
          f('leaderEpoch', 'int32', '4+', -1),
        ),
      ),
    ),
  ),
);
