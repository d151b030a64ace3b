import { ApiKey } from '../protocol/api-keys.ts';
import { joinGroupRequest, joinGroupResponse } from '../protocol/apis/join-group.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { defineApi } from './types.ts';

const MIN_SESSION_MS = 1_000;
const MAX_SESSION_MS = 30 * 60_000;
const MAX_REBALANCE_MS = 30 * 60_000;

export const joinGroupHandler = defineApi({
  apiKey: ApiKey.JoinGroup,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 5,
  request: joinGroupRequest,
  response: joinGroupResponse,
  async handle(state, req, ctx) {
    const fail = (errorCode: number) => ({
      throttleTimeMs: 0,
      errorCode,
      generationId: -1,
      protocolName: '',
      leader: '',
      memberId: req.memberId,
      members: [],
    });
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (req.sessionTimeoutMs < MIN_SESSION_MS || req.sessionTimeoutMs > MAX_SESSION_MS)
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    const group = state.groups.getOrCreate(req.groupId);
    const result = await group.join(
      {
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: Math.min(req.rebalanceTimeoutMs, MAX_REBALANCE_MS),
        protocolType: req.protocolType,
        protocols: req.protocols,
      },
      ctx.header.clientId ?? '',
      ctx.clientHost,
    );
    return { throttleTimeMs: 0, ...result };
  },
});
