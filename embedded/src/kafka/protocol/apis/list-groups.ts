import { arrayOf, f, message } from '../schema.ts';

/**
 * ListGroups (api key 16). Served v0-v2; v3+ are flexible.
 *
 * ListGroups Request (Version: 2) => (no fields)
 * ListGroups Response (Version: 2) => throttle_time_ms (v1+) error_code [groups]
 *   groups => group_id protocol_type
 */
export const listGroupsRequest = message('ListGroupsRequest', 3);

export const listGroupsResponse = message(
  'ListGroupsResponse',
  3,
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16'),
  f('groups', arrayOf(f('groupId', 'string'), f('protocolType', 'string'))),
);
