// Device and admin authentication: token format, constant-time checks, and the cached device lookup.
export * from './authenticator.ts';
export * from './cache.ts';
export * from './secret.ts';
export * from './token.ts';
