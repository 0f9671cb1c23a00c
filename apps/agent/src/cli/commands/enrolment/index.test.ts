// `enroll --batch` against a real agent: a refused later batch says how many samples stay enrolled.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../../../test/cli/run-cli.ts';
import { type ServedAgent, servedTestAgent } from '../../../../../../test/cli/served-agent.ts';
import { DIM } from '../../../../../../test/observability/fixtures.ts';

describe('enroll --batch when a later batch is refused', () => {
  let served: ServedAgent;
  let t: ServedAgent['t'];
  beforeAll(async () => {
    served = await servedTestAgent();
    t = served.t;
  });
  afterAll(async () => {
    await served.close();
  });

  it('says how many samples were enrolled before the refusal, and they stay', async () => {
    // The second sample cancels the first: the agent refuses batch 2 with zero_norm.
    const axis = Array.from({ length: DIM }, (_, i) => (i === 0 ? 1 : 0));
    const file = join(t.dir, 'cancel.json');
    writeFileSync(file, JSON.stringify([axis, axis.map((v) => -v)]));
    const result = await runCli(
      ['enroll', 'gina', '-n', 'Gina', '-f', file, '--batch', '1', ...served.flag],
      { env: served.env },
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^voicesync: enrolled 1 of 2 samples of gina, which stay enrolled, before the agent refused batch 2 of 2: agent answered 400 zero_norm: /,
    );
    const profile = (await (await t.request('/v1/profiles/gina')).json()) as { totalSamples: number };
    expect(profile.totalSamples).toBe(1);
  });
});
