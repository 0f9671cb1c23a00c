// Accept/reject counts of verify or identify: a labelled Prometheus counter plus plain totals for the snapshot.
import { Counter, type Registry } from 'prom-client';
import type { DecisionCounts } from './snapshot.ts';

export class Decisions {
  private readonly counter: Counter<'decision'>;
  private readonly totals: DecisionCounts = { accepted: 0, rejected: 0 };

  constructor(registry: Registry, name: string, help: string) {
    this.counter = new Counter({ name, help, labelNames: ['decision'], registers: [registry] });
    // Both series exist from the start, so rate() and accept ratios work before the first answer.
    this.counter.inc({ decision: 'accepted' }, 0);
    this.counter.inc({ decision: 'rejected' }, 0);
  }

  record(accepted: boolean): void {
    const decision = accepted ? 'accepted' : 'rejected';
    this.totals[decision] += 1;
    this.counter.inc({ decision });
  }

  counts(): DecisionCounts {
    return { ...this.totals };
  }
}
