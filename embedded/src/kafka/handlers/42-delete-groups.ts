import { ApiKey } from '../protocol/api-keys.ts';
import { deleteGroupsRequest, deleteGroupsResponse } from '../protocol/apis/delete-groups.ts';
import type { Decoded } from '../protocol/schema.ts';
import type { ApiHandler } from './types.ts';

export const deleteGroupsHandler: ApiHandler = {
  apiKey: ApiKey.DeleteGroups,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 1,
  request: deleteGroupsRequest,
  response: deleteGroupsResponse,
  async handle(state, req: Decoded) {
    const results = (req.groupsNames as string[]).map((groupId) => ({
      groupId,
      errorCode: state.groups.delete(groupId),
    }));
    if (state.fsyncPerBatch) await state.groups.offsets.sync();
    return { throttleTimeMs: 0, results };
  },
};
