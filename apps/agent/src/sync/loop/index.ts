// The one background loop of sync (push and pull): run a step, sleep until it says, stop or wake at any time.
import type { Clock, Sleep } from '@voicesync/core';

/**
 * One pass of a loop. Returns when the next pass is due (ms since epoch, on the loop's clock). It
 * handles its own errors: a pass that throws ends the loop.
 */
export type LoopStep = () => Promise<number>;

/**
 * Runs `step` until stopped, sleeping in between on the injected sleep. `wake()` cuts a sleep
 * short; a wake that arrives during a pass is never lost: the next pass starts without sleeping
 * (that pass may have read its input before the change that woke it).
 *
 * @example
 * const loop = new SyncLoop(async () => { await pull(); return clock.now() + 30_000; }, clock, timerSleep);
 * loop.start();
 * notifier.onChange = () => loop.wake();
 * await loop.stop();
 */
export class SyncLoop {
  private stopped = true;
  private running: Promise<void> | undefined;
  private wakeUp: AbortController | undefined;
  private woken = false;

  constructor(
    private readonly step: LoopStep,
    private readonly clock: Clock,
    private readonly sleep: Sleep,
  ) {}

  get started(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.run();
  }

  /** Ends the loop: a sleep is cut short, a pass under way finishes first. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.abort();
    await this.running;
  }

  /** Runs the next pass now (or right after the one under way). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.abort();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      const nextAt = await this.step();
      // A stop() during the pass found no sleep to abort: without this check the loop would start
      // one and hold stop() (and the agent's close) for a whole interval.
      if (this.stopped) break;
      if (this.woken) continue;
      this.wakeUp = new AbortController();
      await this.sleep(Math.max(0, nextAt - this.clock.now()), this.wakeUp.signal).catch(() => undefined);
      this.wakeUp = undefined;
    }
  }
}
