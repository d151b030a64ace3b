import { ApiKey } from '../protocol/api-keys.ts';
import { syncGroupRequest, syncGroupResponse } from '../protocol/apis/sync-group.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { defineApi } from './types.ts';

export const syncGroupHandler = defineApi({
  apiKey: ApiKey.SyncGroup,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 3,
  request: syncGroupRequest,
  response: syncGroupResponse,
  async handle(state, req) {
    const group = state.groups.get(req.groupId);
    if (!group) return { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: Buffer.alloc(0) };
    const result = await group.sync(req.memberId, req.generationId, req.assignments);
    return { throttleTimeMs: 0, ...result };
  },
});
