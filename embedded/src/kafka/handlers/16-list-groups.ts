import { ApiKey } from '../protocol/api-keys.ts';
import { listGroupsRequest, listGroupsResponse } from '../protocol/apis/list-groups.ts';
import { defineApi } from './types.ts';

export const listGroupsHandler = defineApi({
  apiKey: ApiKey.ListGroups,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 2,
  request: listGroupsRequest,
  response: listGroupsResponse,
  handle(state) {
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: state.groups.list().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })),
    };
  },
});
