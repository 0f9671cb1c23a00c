// One agent's traffic in the chaos campaign: writes at every priority and verifications, without pause.
import { PRIORITIES } from '@voicesync/core';
import type { AgentHandle } from '../harness/index.ts';
import { putProfile, randomVector, verifyAt } from '../support/index.ts';

export interface Written {
  name: string;
  contentHash: string;
  seed: number;
}

export class Workload {
  /** The last answered write per speaker: what PostgreSQL must end with. */
  readonly answered = new Map<string, Written>();
  writes = 0;
  verifications = 0;
  /**
   * Writes sent after the last answered one of a speaker whose answer was lost to a kill: each may
   * have committed before the SIGKILL, so the final content may be one of them.
   */
  readonly inDoubt = new Map<string, string[]>();
  /** Failures while the agent was up: none is allowed. */
  readonly failures: string[] = [];
  /** Set around a deliberate kill: requests that fail meanwhile are the kill's, not the agent's. */
  down = false;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    readonly agent: AgentHandle,
    readonly prefix: string,
    private readonly random: () => number,
    private readonly speakers = 40,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    let n = 0;
    while (this.running) {
      n += 1;
      if (this.down) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const wasDown = this.down;
      try {
        await this.write(n);
        await this.verify();
      } catch (error) {
        if (!this.down && !wasDown) this.failures.push(String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, 20 + this.random() * 40));
    }
  }

  private async write(n: number): Promise<void> {
    const id = `${this.prefix}-${Math.floor(this.random() * this.speakers)}`;
    const seed = Math.floor(this.random() * 2 ** 30);
    const name = `${id}#${n}`;
    const priority = PRIORITIES[Math.floor(this.random() * PRIORITIES.length)];
    let body: { contentHash: string };
    try {
      const response = await putProfile(this.agent.url, id, {
        name,
        embedding: randomVector(seed),
        priority,
      });
      if (response.status !== 200) throw new Error(`write ${id} answered ${response.status}`);
      body = (await response.json()) as { contentHash: string };
    } catch (error) {
      this.inDoubt.set(id, [...(this.inDoubt.get(id) ?? []), name]);
      throw error;
    }
    this.answered.set(id, { name, contentHash: body.contentHash, seed });
    this.inDoubt.delete(id);
    this.writes += 1;
  }

  private async verify(): Promise<void> {
    // A speaker with a write in doubt may hold that content now: verify only what is known.
    const ids = [...this.answered.keys()].filter((id) => !this.inDoubt.has(id));
    const id = ids[Math.floor(this.random() * ids.length)];
    const written = id === undefined ? undefined : this.answered.get(id);
    if (!id || !written) return;
    const response = await verifyAt(this.agent.url, { speakerId: id, embedding: randomVector(written.seed) });
    const body = (await response.json()) as { accepted?: boolean };
    if (response.status !== 200 || body.accepted !== true) {
      throw new Error(`verify ${id} answered ${response.status} ${JSON.stringify(body)}`);
    }
    this.verifications += 1;
  }
}
