import { arrayOf, f, message } from '../schema.ts';

/**
 * LeaveGroup (api key 13). Served v0-v3; v4+ are flexible.
 *
 * LeaveGroup Request (Version: 3) => group_id [members]
 *   member_id => STRING (v0-v2)
 *   members => member_id group_instance_id (v3+)
 * LeaveGroup Response (Version: 3) => throttle_time_ms (v1+) error_code [members] (v3+)
 *   members => member_id group_instance_id error_code
 */
export const leaveGroupRequest = message(
  'LeaveGroupRequest',
  4,
  f('groupId', 'string'),
  f('memberId', 'string', '0-2'),
  f('members', arrayOf(f('memberId', 'string'), f('groupInstanceId', 'nullableString')), '3+'),
);

export const leaveGroupResponse = message(
  'LeaveGroupResponse',
  4,
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16'),
  f('members', arrayOf(f('memberId', 'string'), f('groupInstanceId', 'nullableString'), f('errorCode', 'int16')), '3+'),
);
