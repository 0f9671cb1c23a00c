// PostgreSQL dialect of the schema.
export * from './tables.ts';
export * from './tls.ts';
