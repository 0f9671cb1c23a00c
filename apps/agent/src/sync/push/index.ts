// Upload side of sync: the pusher drains the outbox toward the edge and waits out outages.
export { Pusher, type PusherOptions } from './pusher.ts';
export { PathBackoff, PathWatch, WAIT_ADVICE, waitReasonOf } from './outage.ts';
export { checkUpstream, resetSync } from './upstream.ts';
