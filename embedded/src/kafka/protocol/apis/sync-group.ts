import { arrayOf, f, message } from '../schema.ts';

/**
 * SyncGroup (api key 14). Served v0-v3; v4+ are flexible.
 *
 * SyncGroup Request (Version: 3) => group_id generation_id member_id group_instance_id (v3+) [assignments]
 *   assignments => member_id assignment (BYTES)
 * SyncGroup Response (Version: 3) => throttle_time_ms (v1+) error_code assignment (BYTES)
 */
export const syncGroupRequest = message(
  'SyncGroupRequest',
  4,
  f('groupId', 'string'),
  f('generationId', 'int32'),
  f('memberId', 'string'),
  f('groupInstanceId', 'nullableString', '3+', null),
  f('assignments', arrayOf(f('memberId', 'string'), f('assignment', 'bytes'))),
);

export const syncGroupResponse = message(
  'SyncGroupResponse',
  4,
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16'),
  f('assignment', 'bytes'),
);
