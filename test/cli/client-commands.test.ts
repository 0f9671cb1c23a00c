// The real binary against a running agent: status, outbox, enroll, import, verify and identify print what the API says.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Servers } from '../../apps/agent/src/api/index.ts';
import type { statusSnapshot } from '../../apps/agent/src/api/routes/status.ts';
import { DIM, embedding, startTestAgent, type TestAgent } from '../observability/fixtures.ts';
import { runCli } from './run-cli.ts';

describe('client commands against a running agent', () => {
  let t: TestAgent;
  let servers: Servers;
  let agent: string[];
  // The agent keeps its key beside its database; the CLI is pointed at that file as a client would be.
  const cli = (args: string[]) => runCli(args, { env: { VOICESYNC_API_KEY_FILE: join(t.dir, 'api-key') } });
  beforeAll(async () => {
    t = await startTestAgent({ port: 0, threshold: 0.9 });
    servers = await listen(t.app, t.agent);
    agent = ['--agent', `http://127.0.0.1:${servers.port}`];
    await t.request('/v1/profiles/alice', {
      method: 'PUT',
      body: { name: 'Alice', embedding: embedding(1), priority: 'CRITICAL' },
    });
    await t.request('/v1/profiles/bob', {
      method: 'PUT',
      body: { name: 'Bob', embedding: embedding(2), priority: 'LOW' },
    });
  });
  afterAll(async () => {
    await servers.close();
    await t.close();
  });

  it('status prints what GET /v1/status says', async () => {
    const [human, json] = await Promise.all([cli(['status', ...agent]), cli(['status', '--json', ...agent])]);
    const api = (await (await t.request('/v1/status')).json()) as Awaited<ReturnType<typeof statusSnapshot>>;
    expect(json.code, json.stderr).toBe(0);
    const printed = JSON.parse(json.stdout);
    // The age of the oldest pending write moves between the two reads; everything else is equal.
    const { oldestPendingSeconds, ...outbox } = api.outbox;
    expect(printed.outbox).toEqual({ ...outbox, oldestPendingSeconds: expect.any(Number) });
    expect(printed.outbox.oldestPendingSeconds).toBeLessThanOrEqual(oldestPendingSeconds);
    expect(printed.edge).toEqual(api.edge);
    expect(printed.cache.size).toBe(api.cache.size);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /2 pending \(CRITICAL 1, HIGH 0, NORMAL 0, LOW 1, DEFERRED 0\), oldest \d+s, 0 in flight, 0 dead letters/,
    );
    expect(human.stdout).toContain('offline (no edge configured)');
    expect(human.stdout).toContain('breaker CLOSED');
    expect(human.stdout).not.toContain('\u001b['); // not a terminal: no colour
  });

  it('outbox list prints each entry the API lists, and retry what it re-queued', async () => {
    const [table, json, dead, retry] = await Promise.all([
      cli(['outbox', 'list', ...agent]),
      cli(['outbox', 'list', '--json', ...agent]),
      cli(['outbox', 'list', '--status', 'dead', ...agent]),
      cli(['outbox', 'retry', ...agent]),
    ]);
    const api = (await (await t.request('/v1/outbox?status=all')).json()) as {
      entries: Array<Record<string, unknown>>;
    };
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.split('\n').filter((line) => /^\d+\s+\S+\s+(upsert|delete)\s/.test(line));
    expect(rows).toHaveLength(api.entries.length);
    for (const [i, entry] of api.entries.entries()) {
      expect(rows[i]).toMatch(
        new RegExp(`^${entry.seq}\\s+${entry.speakerId}\\s+${entry.op}\\s+${entry.priority}\\s+pending`),
      );
    }
    expect(JSON.parse(json.stdout)).toEqual(api);
    expect(dead.stdout).toContain('no entries');
    expect(retry.stdout.trim()).toBe('re-queued 0 dead letters');
  });

  it('enroll, verify and identify use the auth routes and exit 0 / 4 on the decision', async () => {
    const samples = join(t.dir, 'carol.json');
    writeFileSync(samples, JSON.stringify([embedding(7), embedding(7), embedding(7)]));
    const enroll = await cli([
      'enroll',
      'carol',
      '--name',
      'Carol',
      '--file',
      samples,
      '--batch',
      '2',
      ...agent,
    ]);
    expect(enroll.code, enroll.stderr).toBe(0);
    expect(enroll.stdout).toContain('enrolled carol: 3 samples added, 3 in total');
    const one = join(t.dir, 'one.json');
    writeFileSync(one, JSON.stringify(embedding(7)));
    const other = join(t.dir, 'other.json');
    writeFileSync(other, JSON.stringify(embedding(30)));
    const [accepted, rejected, identified, badFile] = await Promise.all([
      cli(['verify', 'carol', '--file', one, ...agent]),
      cli(['verify', 'carol', '--file', other, ...agent]),
      cli(['identify', '--file', one, '-k', '2', '--json', ...agent]),
      cli(['verify', 'carol', '--file', join(t.dir, 'missing.json'), ...agent]),
    ]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toMatch(/^accepted: carol/);
    expect(rejected.code).toBe(4);
    expect(rejected.stdout).toMatch(/^rejected: carol/);
    expect(identified.code, identified.stderr).toBe(0);
    expect(JSON.parse(identified.stdout).matches[0]).toMatchObject({ speakerId: 'carol', name: 'Carol' });
    expect(badFile.code).toBe(2);
  });

  it('enroll reads .npy float32 matrices', async () => {
    const rows = [embedding(11), embedding(11)];
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (2, ${DIM}), }`;
    const padded = `${header.padEnd(118, ' ')}\n`;
    const data = new Float32Array(rows.flat());
    const npy = Buffer.concat([
      Buffer.from([0x93]),
      Buffer.from('NUMPY'),
      Buffer.from([1, 0, padded.length & 0xff, padded.length >> 8]),
      Buffer.from(padded, 'latin1'),
      Buffer.from(data.buffer),
    ]);
    const path = join(t.dir, 'dave.npy');
    writeFileSync(path, npy);
    const result = await cli(['enroll', 'dave', '-n', 'Dave', '-f', path, ...agent]);
    expect(result.code, result.stderr).toBe(0);
    const list = (await (await t.request('/v1/profiles')).json()) as Array<Record<string, unknown>>;
    expect(list).toContainEqual(
      expect.objectContaining({ speakerId: 'dave', name: 'Dave', totalSamples: 2 }),
    );
  });

  it('import enrols several speakers from one file', async () => {
    const file = join(t.dir, 'speakers.json');
    const speakers = [
      { speakerId: 'erin', name: 'Erin', embeddings: [embedding(12), embedding(12), embedding(12)] },
      { speakerId: 'frank', name: 'Frank', embeddings: [embedding(13)] },
    ];
    writeFileSync(file, JSON.stringify({ speakers }));
    const [result, bad] = await Promise.all([
      cli(['import', '--file', file, '--batch', '2', ...agent]),
      cli(['import', '--file', join(t.dir, 'carol.json'), ...agent]),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('imported 2 speakers, 4 samples');
    const list = (await (await t.request('/v1/profiles')).json()) as Array<Record<string, unknown>>;
    expect(list).toContainEqual(expect.objectContaining({ speakerId: 'erin', totalSamples: 3 }));
    expect(list).toContainEqual(expect.objectContaining({ speakerId: 'frank', totalSamples: 1 }));
    expect(bad.code).toBe(2);
  });

  it('exits 3 when the agent cannot be reached', async () => {
    const result = await cli(['status', '--agent', 'http://127.0.0.1:9']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('agent unreachable at http://127.0.0.1:9');
  });
});
