// @voicesync/schema: drizzle tables for both dialects (import them by path) and the wire schemas.
export * from './wire/index.ts';
