import { f, message } from '../schema.ts';

/**
 * FindCoordinator (api key 10). Served v0-v2; v3+ are flexible.
 *
 * FindCoordinator Request (Version: 2) => key key_type
 *   key => STRING, key_type => INT8 (v1+; 0 group, 1 transaction)
 *
 * FindCoordinator Response (Version: 2) => throttle_time_ms error_code error_message node_id host port
 *   throttle_time_ms => INT32 (v1+), error_message => NULLABLE_STRING (v1+)
 */
export const findCoordinatorRequest = message(
  'FindCoordinatorRequest',
  3,
  f('key', 'string'),
  f('keyType', 'int8', '1+'),
);

export const findCoordinatorResponse = message(
  'FindCoordinatorResponse',
  3,
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16'),
  f('errorMessage', 'nullableString', '1+', null),
  f('nodeId', 'int32'),
  f('host', 'string'),
  f('port', 'int32'),
);
