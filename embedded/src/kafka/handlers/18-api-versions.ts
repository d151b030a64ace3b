import { ApiKey } from '../protocol/api-keys.ts';
import { apiVersionsRequest, apiVersionsResponse } from '../protocol/apis/api-versions.ts';
import { type BrokerState, defineApi } from './types.ts';

/** The advertised versions, generated from what each handler declares. */
export function supportedVersions(state: Pick<BrokerState, 'handlers'>) {
  return [...state.handlers]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }));
}

export const apiVersionsHandler = defineApi({
  apiKey: ApiKey.ApiVersions,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 3,
  request: apiVersionsRequest,
  response: apiVersionsResponse,
  handle(state) {
    return { errorCode: 0, apiKeys: supportedVersions(state), throttleTimeMs: 0 };
  },
});
