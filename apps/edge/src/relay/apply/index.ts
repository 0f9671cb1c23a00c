// Applying a device's batch: validate in the Worker, plan in memory, write in one transaction.
export * from './locked.ts';
export * from './plan.ts';
export * from './push.ts';
export * from './validate.ts';
export type { PushingDevice } from './write.ts';
