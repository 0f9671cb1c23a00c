// The agent's sync module: outbox → push → edge → pull, woken by notify, all over one transport (see README.md).
export * from './notify/index.ts';
export * from './outbox/index.ts';
export * from './pull/index.ts';
export * from './push/index.ts';
export * from './stats.ts';
export * from './transport/index.ts';
