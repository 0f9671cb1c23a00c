// @voicesync/core: runtime-agnostic building blocks shared by the agent (Node) and the edge (workerd).
export * from './backoff/index.ts';
export * from './breaker/index.ts';
export * from './bytes/index.ts';
export * from './centroid/index.ts';
export * from './clock/index.ts';
export * from './errors/index.ts';
export * from './hashing/index.ts';
export * from './metrics/index.ts';
export * from './priority/index.ts';
