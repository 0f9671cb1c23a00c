// `voicesync outbox drain`: asks the agent for a full sync round and follows GET /v1/status until nothing is pending.
import { setTimeout as delay } from 'node:timers/promises';
import { VoicesyncError } from '@voicesync/core';
import { type ApiTarget, requestJson } from '../http-client/index.ts';
import { startProgress } from '../progress/index.ts';
import type { AgentStatus } from '../status/index.ts';

export interface DrainOptions {
  timeoutMs: number;
  intervalMs: number;
}

export async function drainOutbox(agent: ApiTarget, options: DrainOptions): Promise<void> {
  if (!(options.timeoutMs > 0) || !(options.intervalMs > 0)) {
    throw new VoicesyncError('invalid_usage', '--timeout and --interval must be positive numbers');
  }
  let status = await requestJson<AgentStatus>(agent, '/v1/status');
  if (status.outbox.pending === 0) {
    console.log('outbox is empty');
    return;
  }
  const sync = await requestJson<{ scheduled: boolean }>(agent, '/v1/sync', { method: 'POST' });
  if (!sync.scheduled) {
    throw new VoicesyncError('no_edge', 'the agent has no edge configured, so its outbox cannot drain');
  }
  let total = status.outbox.pending;
  let done = 0;
  const bar = startProgress('draining', total, 'entries');
  const deadline = Date.now() + options.timeoutMs;
  try {
    while (status.outbox.pending > 0) {
      if (Date.now() >= deadline) {
        const why = status.edge.lastError ? `; last error: ${status.edge.lastError}` : '';
        throw new VoicesyncError(
          'drain_timeout',
          `${status.outbox.pending} entries still pending after ${options.timeoutMs / 1000}s (breaker ${status.edge.breaker}${why})`,
        );
      }
      await delay(options.intervalMs);
      status = await requestJson<AgentStatus>(agent, '/v1/status');
      // New writes may arrive while draining: the total grows instead of the bar going backwards.
      total = Math.max(total, done + status.outbox.pending);
      done = total - status.outbox.pending;
      bar.update(done, total);
    }
  } finally {
    bar.stop();
  }
  const dead = status.outbox.deadLetters;
  console.log(`outbox drained${dead > 0 ? `; ${dead} dead letters remain (voicesync outbox retry)` : ''}`);
}
