import { ApiKey } from '../protocol/api-keys.ts';
import { initProducerIdRequest, initProducerIdResponse } from '../protocol/apis/init-producer-id.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { defineApi } from './types.ts';

/** Idempotent producers get a fresh id at epoch 0 (transactions are not served). */
export const initProducerIdHandler = defineApi({
  apiKey: ApiKey.InitProducerId,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 1,
  request: initProducerIdRequest,
  response: initProducerIdResponse,
  handle(state, req) {
    if (req.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1, producerEpoch: -1 };
    }
    return { throttleTimeMs: 0, errorCode: 0, producerId: state.producerIds.allocate(), producerEpoch: 0 };
  },
});
