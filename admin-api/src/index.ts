export { API_ERRORS, ApiError, type ApiErrorCode, type ErrorBody } from './errors.ts';
export { apiEnv, loadApiConfig, type ApiConfig } from './config.ts';
export { buildApp, type ApiApp, type AppConfig, type AppDeps } from './app.ts';
export { startApi, type AdminApi } from './api.ts';
export { IdentityStore, API_KEY_PREFIX, type User, type ApiKeyInfo } from './identity/identity-store.ts';
export { ROLES, type Role, type Principal } from './identity/principal.ts';
export { hashPassword, verifyPassword } from './identity/passwords.ts';
export { EventFeed, EVENT_TYPES, type FeedEvent } from './events/event-feed.ts';
export { FLEET_SQL } from './routes/telemetry-routes.ts';
