export { loadGatewayConfig, gatewayEnv, type GatewayConfig, type DevicePolicy, type MqttMode } from './config.ts';
export { GATEWAY_ERRORS, GatewayError, type GatewayErrorCode, type ErrorBody } from './errors.ts';
export { startGateway, type Gateway, type GatewayDeps } from './gateway.ts';
// The site registry lives in @ysh/common/registry (the admin API uses it too); re-exported for existing callers.
export { SiteRegistry, hashToken, TOKEN_PREFIX, TokenAuthenticator } from '@ysh/common/registry';
export { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
export type { DlqRecord } from './ingest/dlq.ts';
