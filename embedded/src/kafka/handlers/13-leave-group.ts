import { ApiKey } from '../protocol/api-keys.ts';
import { leaveGroupRequest, leaveGroupResponse } from '../protocol/apis/leave-group.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { defineApi } from './types.ts';

export const leaveGroupHandler = defineApi({
  apiKey: ApiKey.LeaveGroup,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 3,
  request: leaveGroupRequest,
  response: leaveGroupResponse,
  handle(state, req, ctx) {
    const group = state.groups.get(req.groupId);
    const leaving: { memberId: string; groupInstanceId: string | null }[] =
      ctx.header.apiVersion >= 3 ? req.members : [{ memberId: req.memberId, groupInstanceId: null }];
    const members = leaving.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode: group ? group.leave(m.memberId) : ErrorCode.UNKNOWN_MEMBER_ID,
    }));
    const errorCode = ctx.header.apiVersion >= 3 ? 0 : (members[0]?.errorCode ?? 0);
    return { throttleTimeMs: 0, errorCode, members };
  },
});
