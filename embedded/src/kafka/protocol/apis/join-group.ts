import { arrayOf, f, message } from '../schema.ts';

/**
 * JoinGroup (api key 11). Served v0-v5; v6+ are flexible.
 *
 * JoinGroup Request (Version: 5) => group_id session_timeout_ms rebalance_timeout_ms member_id group_instance_id
 *                                   protocol_type [protocols]
 *   rebalance_timeout_ms => INT32 (v1+), group_instance_id => NULLABLE_STRING (v5+)
 *   protocols => name metadata (BYTES)
 *
 * JoinGroup Response (Version: 5) => throttle_time_ms error_code generation_id protocol_name leader member_id [members]
 *   throttle_time_ms => INT32 (v2+)
 *   members => member_id group_instance_id (v5+) metadata
 */
export const joinGroupRequest = message(
  'JoinGroupRequest',
  6,
  f('groupId', 'string'),
  f('sessionTimeoutMs', 'int32'),
  f('rebalanceTimeoutMs', 'int32', '1+', -1),
  f('memberId', 'string'),
  f('groupInstanceId', 'nullableString', '5+', null),
  f('protocolType', 'string'),
  f('protocols', arrayOf(f('name', 'string'), f('metadata', 'bytes'))),
);

export const joinGroupResponse = message(
  'JoinGroupResponse',
  6,
  f('throttleTimeMs', 'int32', '2+'),
  f('errorCode', 'int16'),
  f('generationId', 'int32'),
  f('protocolName', 'string'),
  f('leader', 'string'),
  f('memberId', 'string'),
  f(
    'members',
    arrayOf(f('memberId', 'string'), f('groupInstanceId', 'nullableString', '5+', null), f('metadata', 'bytes')),
  ),
);
