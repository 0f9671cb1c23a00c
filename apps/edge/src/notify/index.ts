// Live notifications: the per-tenant hub Durable Object, its protocol, and the calls that reach it.
export * from './fan-out.ts';
export * from './hub.ts';
export * from './protocol.ts';
export * from './tenant-hubs.ts';
