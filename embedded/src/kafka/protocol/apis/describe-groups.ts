import { array, arrayOf, f, message } from '../schema.ts';

/**
 * DescribeGroups (api key 15). Served v0-v4; v5+ are flexible.
 *
 * DescribeGroups Request (Version: 4) => [groups] include_authorized_operations (v3+)
 * DescribeGroups Response (Version: 4) => throttle_time_ms (v1+) [groups]
 *   groups => error_code group_id group_state protocol_type protocol_data [members] authorized_operations (v3+)
 *     members => member_id group_instance_id (v4+) client_id client_host member_metadata member_assignment
 */
export const describeGroupsRequest = message(
  'DescribeGroupsRequest',
  5,
  f('groups', array('string')),
  f('includeAuthorizedOperations', 'bool', '3+'),
);

export const describeGroupsResponse = message(
  'DescribeGroupsResponse',
  5,
  f('throttleTimeMs', 'int32', '1+'),
  f(
    'groups',
    arrayOf(
      f('errorCode', 'int16'),
      f('groupId', 'string'),
      f('groupState', 'string'),
      f('protocolType', 'string'),
      f('protocolData', 'string'),
      f(
        'members',
        arrayOf(
          f('memberId', 'string'),
          f('groupInstanceId', 'nullableString', '4+', null),
          f('clientId', 'string'),
          f('clientHost', 'string'),
          f('memberMetadata', 'bytes'),
          f('memberAssignment', 'bytes'),
        ),
      ),
      f('authorizedOperations', 'int32', '3+', -2147483648),
    ),
  ),
);
