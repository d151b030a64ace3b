import { ApiKey } from '../protocol/api-keys.ts';
import { describeGroupsRequest, describeGroupsResponse } from '../protocol/apis/describe-groups.ts';
import { defineApi } from './types.ts';

export const describeGroupsHandler = defineApi({
  apiKey: ApiKey.DescribeGroups,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 4,
  request: describeGroupsRequest,
  response: describeGroupsResponse,
  handle(state, req) {
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        const g = state.groups.get(groupId);
        const known = g !== undefined || state.groups.offsets.all(groupId).size > 0;
        return {
          errorCode: 0,
          groupId,
          groupState: g ? g.state : known ? 'Empty' : 'Dead',
          protocolType: g?.protocolType ?? (known ? 'consumer' : ''),
          protocolData: g?.state === 'Stable' || g?.state === 'CompletingRebalance' ? (g.protocolName ?? '') : '',
          members: g ? g.describeMembers() : [],
          authorizedOperations: -2147483648,
        };
      }),
    };
  },
});
