// zod schemas of everything that crosses the agent <-> edge wire.
export * from './edge.ts';
export * from './errors.ts';
export * from './pull.ts';
export * from './push.ts';
export * from './push-fast.ts';
export * from './values.ts';
export * from './status.ts';
