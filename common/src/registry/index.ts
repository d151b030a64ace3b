export { REGISTRY_ERRORS, RegistryError, type RegistryErrorCode } from './registry-error.ts';
export { hashToken, newToken, SiteRegistry, TOKEN_PREFIX, type IssuedToken } from './site-registry.ts';
export { TokenAuthenticator, type TokenAuthenticatorOptions } from './token-authenticator.ts';
