export { loadGatewayConfig, gatewayEnv, type GatewayConfig, type DevicePolicy, type MqttMode } from './config.ts';
export { GATEWAY_ERRORS, GatewayError, type GatewayErrorCode, type ErrorBody } from './errors.ts';
export { startGateway, type Gateway, type GatewayDeps } from './gateway.ts';
export { SiteRegistry, hashToken, TOKEN_PREFIX } from './registry/site-registry.ts';
export { PROVISIONING_ERRORS, ProvisioningError } from './registry/provisioning-error.ts';
export { TokenAuthenticator } from './registry/token-authenticator.ts';
export { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
export type { DlqRecord } from './ingest/dlq.ts';
