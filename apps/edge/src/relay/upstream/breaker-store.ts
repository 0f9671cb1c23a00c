// Keeps the breaker's snapshot in Durable Object storage so an evicted or restarted Relay stays open.
import {
  type BreakerOptions,
  type BreakerSnapshot,
  CircuitBreaker,
  type Clock,
  errorMessage,
} from '@voicesync/core';

/** The slice of DurableObjectStorage the breaker needs. */
export interface SnapshotStorage {
  get<T>(key: string): Promise<T | undefined>;
  put<T>(key: string, value: T): Promise<void>;
}

const KEY = 'breaker';
const STATES = new Set(['CLOSED', 'OPEN', 'HALF_OPEN']);

function isSnapshot(value: unknown): value is BreakerSnapshot {
  const s = value as Partial<BreakerSnapshot> | undefined;
  return (
    typeof s === 'object' &&
    s !== null &&
    STATES.has(s.state ?? '') &&
    typeof s.failures === 'number' &&
    typeof s.successes === 'number' &&
    typeof s.since === 'number'
  );
}

/** A breaker restored from storage that writes its snapshot back on every state change. */
export async function persistentBreaker(
  storage: SnapshotStorage,
  clock: Clock,
  options: BreakerOptions,
): Promise<CircuitBreaker> {
  const stored = await storage.get<unknown>(KEY);
  const breaker = new CircuitBreaker(clock, options, isSnapshot(stored) ? stored : undefined);
  breaker.onStateChange(() => {
    storage.put(KEY, breaker.toJSON()).catch((error: unknown) => {
      console.error(`could not store the breaker state: ${errorMessage(error)}`);
    });
  });
  return breaker;
}
