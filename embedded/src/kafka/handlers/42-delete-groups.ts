import { ApiKey } from '../protocol/api-keys.ts';
import { deleteGroupsRequest, deleteGroupsResponse } from '../protocol/apis/delete-groups.ts';
import { defineApi } from './types.ts';

export const deleteGroupsHandler = defineApi({
  apiKey: ApiKey.DeleteGroups,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 1,
  request: deleteGroupsRequest,
  response: deleteGroupsResponse,
  async handle(state, req) {
    const results = req.groupsNames.map((groupId) => ({
      groupId,
      errorCode: state.groups.delete(groupId),
    }));
    if (state.fsyncPerBatch) await state.groups.offsets.sync();
    return { throttleTimeMs: 0, results };
  },
});
