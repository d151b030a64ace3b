import { ApiKey } from '../protocol/api-keys.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../protocol/apis/find-coordinator.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { defineApi } from './types.ts';

const TRANSACTION = 1;

/** A single node coordinates every group; transactions are not served, and said so. */
export const findCoordinatorHandler = defineApi({
  apiKey: ApiKey.FindCoordinator,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  request: findCoordinatorRequest,
  response: findCoordinatorResponse,
  handle(state, req) {
    if (req.keyType === TRANSACTION) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'transactions are not supported by the embedded broker',
        nodeId: -1,
        host: '',
        port: -1,
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: state.nodeId,
      host: state.host,
      port: state.port,
    };
  },
});
