import { ApiKey } from '../protocol/api-keys.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../protocol/apis/find-coordinator.ts';
import type { Decoded } from '../protocol/schema.ts';
import type { ApiHandler } from './types.ts';

/** A single node coordinates every group. */
export const findCoordinatorHandler: ApiHandler = {
  apiKey: ApiKey.FindCoordinator,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  request: findCoordinatorRequest,
  response: findCoordinatorResponse,
  handle(state, _req: Decoded) {
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: state.nodeId,
      host: state.host,
      port: state.port,
    };
  },
};
