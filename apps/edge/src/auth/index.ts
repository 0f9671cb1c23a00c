// Device and admin authentication: token format and signature, the Worker's gate, constant-time checks, the cached lookup.
export * from './authenticator.ts';
export * from './cache.ts';
export * from './failure-limit.ts';
export * from './gate.ts';
export * from './secret.ts';
export * from './signed-token.ts';
export * from './token.ts';
export * from './verified-tokens.ts';
