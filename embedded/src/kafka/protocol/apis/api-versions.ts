import { arrayOf, f, message } from '../schema.ts';

/**
 * ApiVersions (api key 18). Served v0-v3; v3 is flexible. The response header is
 * always v0 (no tagged fields), so a client that asked with a version we do not
 * serve can still read our UNSUPPORTED_VERSION answer and retry.
 *
 * ApiVersions Request (Version: 3) => client_software_name client_software_version TAG_BUFFER
 *   client_software_name => COMPACT_STRING, client_software_version => COMPACT_STRING
 * ApiVersions Response (Version: 3) => error_code [api_keys] throttle_time_ms TAG_BUFFER
 *   api_keys => api_key min_version max_version TAG_BUFFER
 *   throttle_time_ms => INT32 (v1+)
 */
export const apiVersionsRequest = message(
  'ApiVersionsRequest',
  3,
  f('clientSoftwareName', 'string', '3+'),
  f('clientSoftwareVersion', 'string', '3+'),
);

export const apiVersionsResponse = message(
  'ApiVersionsResponse',
  3,
  f('errorCode', 'int16'),
  f('apiKeys', arrayOf(f('apiKey', 'int16'), f('minVersion', 'int16'), f('maxVersion', 'int16'))),
  f('throttleTimeMs', 'int32', '1+'),
);
