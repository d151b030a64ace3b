import { ApiKey } from '../protocol/api-keys.ts';
import { heartbeatRequest, heartbeatResponse } from '../protocol/apis/heartbeat.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { Decoded } from '../protocol/schema.ts';
import type { ApiHandler } from './types.ts';

export const heartbeatHandler: ApiHandler = {
  apiKey: ApiKey.Heartbeat,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 3,
  request: heartbeatRequest,
  response: heartbeatResponse,
  handle(state, req: Decoded) {
    const group = state.groups.get(req.groupId);
    const errorCode = group ? group.heartbeat(req.memberId, req.generationId) : ErrorCode.UNKNOWN_MEMBER_ID;
    return { throttleTimeMs: 0, errorCode };
  },
};
