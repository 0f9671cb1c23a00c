// Live notifications from the edge: one WebSocket per agent that wakes the puller when another device pushed.
export * from './notifier.ts';
export * from './socket.ts';
