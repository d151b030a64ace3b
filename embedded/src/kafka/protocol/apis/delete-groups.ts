import { array, arrayOf, f, message } from '../schema.ts';

/**
 * DeleteGroups (api key 42). Served v0-v1; v2+ are flexible.
 *
 * DeleteGroups Request (Version: 1) => [groups_names]
 * DeleteGroups Response (Version: 1) => throttle_time_ms [results]
 *   results => group_id error_code
 */
export const deleteGroupsRequest = message('DeleteGroupsRequest', 2, f('groupsNames', array('string')));

export const deleteGroupsResponse = message(
  'DeleteGroupsResponse',
  2,
  f('throttleTimeMs', 'int32'),
  f('results', arrayOf(f('groupId', 'string'), f('errorCode', 'int16'))),
);
