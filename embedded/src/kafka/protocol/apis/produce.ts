import { arrayOf, f, message } from '../schema.ts';

/**
 * Produce (api key 0). Served v0-v8 (v0-v2 without transactional_id, record batches v2 only); v9+ are flexible.
 *
 * Produce Request (Version: 8) => transactional_id acks timeout_ms [topic_data]
 *   transactional_id => NULLABLE_STRING          (v3+)
 *   acks => INT16
 *   timeout_ms => INT32
 *   topic_data => name [partition_data]
 *     name => STRING
 *     partition_data => index records
 *       index => INT32
 *       records => RECORDS
 *
 * Produce Response (Version: 8) => [responses] throttle_time_ms
 *   responses => name [partition_responses]
 *     partition_responses => index error_code base_offset log_append_time_ms log_start_offset [record_errors] error_message
 *       log_append_time_ms => INT64 (v2+), log_start_offset => INT64 (v5+)
 *       record_errors => batch_index batch_index_error_message (v8+), error_message => NULLABLE_STRING (v8+)
 *   throttle_time_ms => INT32 (v1+)
 */
export const produceRequest = message(
  'ProduceRequest',
  9,
  f('transactionalId', 'nullableString', '3+', null),
  f('acks', 'int16'),
  f('timeoutMs', 'int32'),
  f(
    'topicData',
    arrayOf(f('name', 'string'), f('partitionData', arrayOf(f('index', 'int32'), f('records', 'records')))),
  ),
);

export const produceResponse = message(
  'ProduceResponse',
  9,
  f(
    'responses',
    arrayOf(
      f('name', 'string'),
      f(
        'partitionResponses',
        arrayOf(
          f('index', 'int32'),
          f('errorCode', 'int16'),
          f('baseOffset', 'int64'),
          f('logAppendTimeMs', 'int64', '2+'),
          f('logStartOffset', 'int64', '5+'),
          f('recordErrors', arrayOf(f('batchIndex', 'int32'), f('batchIndexErrorMessage', 'nullableString')), '8+'),
          f('errorMessage', 'nullableString', '8+'),
        ),
      ),
    ),
  ),
  f('throttleTimeMs', 'int32', '1+'),
);
