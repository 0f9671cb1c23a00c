// `outbox list --limit` against a real agent: a usage error (exit 2) for anything but a whole number from 1 to 1000.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../../../test/cli/run-cli.ts';
import { type ServedAgent, servedTestAgent } from '../../../../../../test/cli/served-agent.ts';
import { embedding } from '../../../../../../test/observability/fixtures.ts';

describe('outbox list --limit', () => {
  let served: ServedAgent;
  beforeAll(async () => {
    served = await servedTestAgent();
    for (const [i, id] of ['alice', 'bob'].entries()) {
      await served.t.request(`/v1/profiles/${id}`, {
        method: 'PUT',
        body: { name: id, embedding: embedding(i + 1) },
      });
    }
  });
  afterAll(async () => {
    await served.close();
  });

  it('exits 2 naming the flag unless it is a whole number from 1 to 1000', async () => {
    const bad = ['abc', '1.5', '0', '1e2', '1001'];
    const results = await Promise.all(
      bad.map((limit) => runCli(['outbox', 'list', '--limit', limit, ...served.flag], { env: served.env })),
    );
    for (const [i, result] of results.entries()) {
      expect(result.code, `--limit ${bad[i]}: ${result.stderr}`).toBe(2);
      expect(result.stderr.trim()).toBe(
        `voicesync: --limit must be an integer from 1 to 1000, got ${JSON.stringify(bad[i])}`,
      );
    }
  });

  it('passes a valid limit to the agent', async () => {
    const result = await runCli(['outbox', 'list', '--limit', '1', '--json', ...served.flag], {
      env: served.env,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).entries).toHaveLength(1);
  });
});
