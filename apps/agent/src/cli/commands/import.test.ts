// `import` against a real agent: bad entries are refused before the first request, partial imports are described.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../../test/cli/run-cli.ts';
import { type ServedAgent, servedTestAgent } from '../../../../../test/cli/served-agent.ts';
import { DIM, embedding } from '../../../../../test/observability/fixtures.ts';

describe('import checks every entry before the first request', () => {
  let served: ServedAgent;
  beforeAll(async () => {
    served = await servedTestAgent();
    await served.t.request('/v1/profiles/known', {
      method: 'PUT',
      body: { name: 'Known', embedding: embedding(1) },
    });
  });
  afterAll(async () => {
    await served.close();
  });

  const importFile = (name: string, speakers: unknown[]) => {
    const path = join(served.t.dir, name);
    writeFileSync(path, JSON.stringify(speakers));
    return runCli(['import', '--file', path, '--batch', '1', ...served.flag], { env: served.env });
  };
  const speakerIds = async () =>
    ((await (await served.t.request('/v1/profiles')).json()) as Array<{ speakerId: string }>).map(
      (p) => p.speakerId,
    );

  it('refuses a bad id, a nameless new speaker or a second dimension with nothing imported', async () => {
    const first = { speakerId: 'first', name: 'First', embeddings: [embedding(2)] };
    const [badId, blankName, nameless, otherDim] = await Promise.all([
      importFile('bad-id.json', [first, { speakerId: 'no spaces', name: 'X', embeddings: [embedding(3)] }]),
      importFile('blank-name.json', [first, { speakerId: 'blank', name: '  ', embeddings: [embedding(3)] }]),
      importFile('nameless.json', [
        first,
        { speakerId: 'known', embeddings: [embedding(4)] },
        { speakerId: 'stranger', embeddings: [embedding(5)] },
      ]),
      importFile('other-dim.json', [
        first,
        { speakerId: 'wide', name: 'W', embeddings: [embedding(6, DIM + 1)] },
      ]),
    ]);
    for (const result of [badId, blankName, nameless, otherDim]) {
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(badId.stderr).toMatch(/bad-id\.json: 1\.speakerId .*1-128 of/);
    expect(blankName.stderr).toMatch(/blank-name\.json: 1\.name /);
    expect(nameless.stderr).toContain(
      'nameless.json: new speakers need a "name", nothing was imported: stranger',
    );
    expect(otherDim.stderr).toContain(
      `other-dim.json (wide): embeddings have ${DIM + 1} values, those of first have ${DIM}`,
    );
    expect(await speakerIds()).toEqual(['known']);
  });

  it('adds samples to a known speaker without a name, and says what was imported when the agent refuses', async () => {
    const axis = Array.from({ length: DIM }, (_, i) => (i === 0 ? 1 : 0));
    const result = await importFile('cancel.json', [
      { speakerId: 'known', embeddings: [embedding(7)] },
      { speakerId: 'zed', name: 'Zed', embeddings: [axis, axis.map((v) => -v)] },
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^voicesync: enrolled 1 of 2 samples of zed, which stay enrolled, before the agent refused batch 2 of 2: .*zero_norm.* \(imported 1 of 2 speakers before zed\)$/,
    );
  });
});
