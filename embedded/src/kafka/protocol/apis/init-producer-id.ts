import { f, message } from '../schema.ts';

/**
 * InitProducerId (api key 22). Served v0-v1; v2+ are flexible.
 *
 * InitProducerId Request (Version: 1) => transactional_id transaction_timeout_ms
 *   transactional_id => NULLABLE_STRING, transaction_timeout_ms => INT32
 * InitProducerId Response (Version: 1) => throttle_time_ms error_code producer_id producer_epoch
 */
export const initProducerIdRequest = message(
  'InitProducerIdRequest',
  2,
  f('transactionalId', 'nullableString'),
  f('transactionTimeoutMs', 'int32'),
);

export const initProducerIdResponse = message(
  'InitProducerIdResponse',
  2,
  f('throttleTimeMs', 'int32'),
  f('errorCode', 'int16'),
  f('producerId', 'int64'),
  f('producerEpoch', 'int16'),
);
