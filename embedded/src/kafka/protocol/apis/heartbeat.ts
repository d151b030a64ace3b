import { f, message } from '../schema.ts';

/**
 * Heartbeat (api key 12). Served v0-v3; v4+ are flexible.
 *
 * Heartbeat Request (Version: 3) => group_id generation_id member_id group_instance_id (v3+)
 * Heartbeat Response (Version: 3) => throttle_time_ms (v1+) error_code
 */
export const heartbeatRequest = message(
  'HeartbeatRequest',
  4,
  f('groupId', 'string'),
  f('generationId', 'int32'),
  f('memberId', 'string'),
  f('groupInstanceId', 'nullableString', '3+', null),
);

export const heartbeatResponse = message(
  'HeartbeatResponse',
  4,
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16'),
);
