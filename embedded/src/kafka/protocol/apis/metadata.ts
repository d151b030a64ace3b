import { array, arrayOf, f, message, nullableArrayOf } from '../schema.ts';

/**
 * Metadata (api key 3). Served v1-v12; v9+ are flexible (compact strings/arrays, tagged fields).
 *
 * Metadata Request (Version: 12) => [topics] allow_auto_topic_creation include_topic_authorized_operations TAG_BUFFER
 *   topics => topic_id (v10+ UUID) name (COMPACT_NULLABLE_STRING) TAG_BUFFER     -- null array = all topics (v1+)
 *   allow_auto_topic_creation => BOOLEAN (v4+)
 *   include_cluster_authorized_operations => BOOLEAN (v8-v10)
 *   include_topic_authorized_operations => BOOLEAN (v8+)
 *
 * Metadata Response (Version: 12) => throttle_time_ms [brokers] cluster_id controller_id [topics] TAG_BUFFER
 *   throttle_time_ms => INT32 (v3+)
 *   brokers => node_id host port rack (v1+)
 *   cluster_id => NULLABLE_STRING (v2+), controller_id => INT32 (v1+)
 *   topics => error_code name topic_id (v10+) is_internal (v1+) [partitions] topic_authorized_operations (v8+)
 *     partitions => error_code partition_index leader_id leader_epoch (v7+) [replica_nodes] [isr_nodes]
 *                   [offline_replicas] (v5+)
 *   cluster_authorized_operations => INT32 (v8-v10)
 */
export const metadataRequest = message(
  'MetadataRequest',
  9,
  f('topics', nullableArrayOf(f('topicId', 'uuid', '10+'), f('name', 'nullableString'))),
  f('allowAutoTopicCreation', 'bool', '4+', true),
  f('includeClusterAuthorizedOperations', 'bool', '8-10'),
  f('includeTopicAuthorizedOperations', 'bool', '8+'),
);

export const metadataResponse = message(
  'MetadataResponse',
  9,
  f('throttleTimeMs', 'int32', '3+'),
  f(
    'brokers',
    arrayOf(f('nodeId', 'int32'), f('host', 'string'), f('port', 'int32'), f('rack', 'nullableString', '1+')),
  ),
  f('clusterId', 'nullableString', '2+'),
  f('controllerId', 'int32', '1+', -1),
  f(
    'topics',
    arrayOf(
      f('errorCode', 'int16'),
      f('name', 'nullableString'),
      f('topicId', 'uuid', '10+'),
      f('isInternal', 'bool', '1+'),
      f(
        'partitions',
        arrayOf(
          f('errorCode', 'int16'),
          f('partitionIndex', 'int32'),
          f('leaderId', 'int32'),
          f('leaderEpoch', 'int32', '7+', -1),
          f('replicaNodes', array('int32')),
          f('isrNodes', array('int32')),
          f('offlineReplicas', array('int32'), '5+'),
        ),
      ),
      f('topicAuthorizedOperations', 'int32', '8+', -2147483648),
    ),
  ),
  f('clusterAuthorizedOperations', 'int32', '8-10', -2147483648),
);
