/**
 * The site configuration (types and parser) lives in @ysh/common/fleet: the platform validates
 * the same document before it stores a remote configuration, the agent before it applies one.
 */
export * from '@ysh/common/fleet/site-config';
