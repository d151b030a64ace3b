import { ApiKey } from '../protocol/api-keys.ts';
import { heartbeatRequest, heartbeatResponse } from '../protocol/apis/heartbeat.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { defineApi } from './types.ts';

export const heartbeatHandler = defineApi({
  apiKey: ApiKey.Heartbeat,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 3,
  request: heartbeatRequest,
  response: heartbeatResponse,
  handle(state, req) {
    const group = state.groups.get(req.groupId);
    const errorCode = group ? group.heartbeat(req.memberId, req.generationId) : ErrorCode.UNKNOWN_MEMBER_ID;
    return { throttleTimeMs: 0, errorCode };
  },
});
