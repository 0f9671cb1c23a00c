// Upload priorities: they change the order and timing of uploads, never whether they happen.

export const PRIORITIES = ['CRITICAL', 'HIGH', 'NORMAL', 'LOW', 'DEFERRED'] as const;
export type PriorityName = (typeof PRIORITIES)[number];

/** Numeric level: 0 is the most urgent. */
export type Priority = 0 | 1 | 2 | 3 | 4;

export const Priority = { CRITICAL: 0, HIGH: 1, NORMAL: 2, LOW: 3, DEFERRED: 4 } as const satisfies Record<
  PriorityName,
  Priority
>;

/** Every level, most urgent first. */
export const PRIORITY_LEVELS = [0, 1, 2, 3, 4] as const satisfies readonly Priority[];

/** A count per level (quotas of a round, entries taken). */
export type PerPriority = Record<Priority, number>;

export function isPriority(level: number): level is Priority {
  return (PRIORITY_LEVELS as readonly number[]).includes(level);
}

/** A level read back from storage; anything else is a corrupt row, not a priority. */
export function toPriority(level: number): Priority {
  if (!isPriority(level)) throw new RangeError(`unknown priority level ${level}`);
  return level;
}

/** Per-name limits as counts per level, e.g. the quotas a push round starts with. */
export function perPriority(limits: Readonly<Record<PriorityName, number>>): PerPriority {
  return { 0: limits.CRITICAL, 1: limits.HIGH, 2: limits.NORMAL, 3: limits.LOW, 4: limits.DEFERRED };
}

/** Per-level bound on what is held in memory / sent per round; the rest waits on disk. */
export const DEFAULT_PRIORITY_LIMITS: Readonly<Record<PriorityName, number>> = {
  CRITICAL: 1000,
  HIGH: 500,
  NORMAL: 200,
  LOW: 100,
  DEFERRED: 50,
};

export function priorityName(level: number): PriorityName {
  const name = PRIORITIES[level];
  if (name === undefined) throw new RangeError(`unknown priority level ${level}`);
  return name;
}

/** CRITICAL and HIGH are pushed at once instead of waiting for the next round. */
export function isImmediate(level: Priority): boolean {
  return level <= Priority.HIGH;
}

/**
 * Which levels may be sent now. Under backpressure (edge pool load above the threshold) only
 * the immediate levels go; the rest are deferred until the load falls.
 */
export function sendableLevels(load: number, threshold = 0.8): Priority[] {
  return load > threshold ? [Priority.CRITICAL, Priority.HIGH] : [...PRIORITY_LEVELS];
}
