import { arrayOf, f, message, nullableArrayOf } from '../schema.ts';

/**
 * DescribeConfigs (api key 32). Served v0-v2; v4+ are flexible.
 *
 * DescribeConfigs Request (Version: 2) => [resources] include_synonyms (v1+)
 *   resources => resource_type (INT8: 2 topic, 4 broker) resource_name [configuration_keys] (nullable: all)
 * DescribeConfigs Response (Version: 2) => throttle_time_ms [results]
 *   results => error_code error_message resource_type resource_name [configs]
 *     configs => name value read_only is_default (v0 only) config_source (v1+) is_sensitive [synonyms] (v1+)
 *       synonyms => name value source
 */
export const describeConfigsRequest = message(
  'DescribeConfigsRequest',
  4,
  f(
    'resources',
    arrayOf(
      f('resourceType', 'int8'),
      f('resourceName', 'string'),
      f('configurationKeys', nullableArrayOf(f('name', 'string'))),
    ),
  ),
  f('includeSynonyms', 'bool', '1+'),
);

export const describeConfigsResponse = message(
  'DescribeConfigsResponse',
  4,
  f('throttleTimeMs', 'int32'),
  f(
    'results',
    arrayOf(
      f('errorCode', 'int16'),
      f('errorMessage', 'nullableString', '0+', null),
      f('resourceType', 'int8'),
      f('resourceName', 'string'),
      f(
        'configs',
        arrayOf(
          f('name', 'string'),
          f('value', 'nullableString'),
          f('readOnly', 'bool'),
          f('isDefault', 'bool', '0'),
          f('configSource', 'int8', '1+', -1),
          f('isSensitive', 'bool'),
          f('synonyms', arrayOf(f('name', 'string'), f('value', 'nullableString'), f('source', 'int8')), '1+'),
        ),
      ),
    ),
  ),
);
