import { array, arrayOf, type Decoded, f, message } from '../schema.ts';

/**
 * Fetch (api key 1). Served v4-v11; v12+ are flexible.
 *
 * Fetch Request (Version: 11) => replica_id max_wait_ms min_bytes max_bytes isolation_level session_id session_epoch
 *                                [topics] [forgotten_topics_data] rack_id
 *   replica_id => INT32, max_wait_ms => INT32, min_bytes => INT32, max_bytes => INT32 (v3+),
 *   isolation_level => INT8 (v4+), session_id => INT32 (v7+), session_epoch => INT32 (v7+)
 *   topics => topic [partitions]
 *     partitions => partition current_leader_epoch (v9+) fetch_offset log_start_offset (v5+) partition_max_bytes
 *   forgotten_topics_data => topic [partitions] (v7+)
 *   rack_id => STRING (v11+)
 *
 * Fetch Response (Version: 11) => throttle_time_ms error_code session_id [responses]
 *   throttle_time_ms => INT32 (v1+), error_code => INT16 (v7+), session_id => INT32 (v7+)
 *   responses => topic [partitions]
 *     partitions => partition_index error_code high_watermark last_stable_offset (v4+) log_start_offset (v5+)
 *                   [aborted_transactions] (v4+) preferred_read_replica (v11+) records
 *       aborted_transactions => producer_id INT64 first_offset INT64
 *       records => RECORDS
 */
export const fetchRequest = message(
  'FetchRequest',
  12,
  f('replicaId', 'int32'),
  f('maxWaitMs', 'int32'),
  f('minBytes', 'int32'),
  f('maxBytes', 'int32', '3+', 0x7fffffff),
  f('isolationLevel', 'int8', '4+'),
  f('sessionId', 'int32', '7+'),
  f('sessionEpoch', 'int32', '7+', -1),
  f(
    'topics',
    arrayOf(
      f('topic', 'string'),
      f(
        'partitions',
        arrayOf(
          f('partition', 'int32'),
          f('currentLeaderEpoch', 'int32', '9+', -1),
          f('fetchOffset', 'int64'),
          f('logStartOffset', 'int64', '5+', -1),
          f('partitionMaxBytes', 'int32'),
        ),
      ),
    ),
  ),
  f('forgottenTopicsData', arrayOf(f('topic', 'string'), f('partitions', array('int32'))), '7+'),
  f('rackId', 'string', '11+'),
);

export const fetchResponse = message(
  'FetchResponse',
  12,
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '7+'),
  f('sessionId', 'int32', '7+'),
  f(
    'responses',
    arrayOf(
      f('topic', 'string'),
      f(
        'partitions',
        arrayOf(
          f('partitionIndex', 'int32'),
          f('errorCode', 'int16'),
          f('highWatermark', 'int64'),
          f('lastStableOffset', 'int64', '4+', -1),
          f('logStartOffset', 'int64', '5+', -1),
          f('abortedTransactions', arrayOf(f('producerId', 'int64'), f('firstOffset', 'int64')), '4+'),
          f('preferredReadReplica', 'int32', '11+', -1),
          f('records', 'records'),
        ),
      ),
    ),
  ),
);

export type FetchRequest = Decoded<typeof fetchRequest>;
