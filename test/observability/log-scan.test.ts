// A full run of the real agent (writes, enrolment, verifications, bad input, Postgres down, dead letters, then no
// edge at all):
// no log line may carry an embedding value, the device token or the admin token.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { statusSnapshot } from '../../apps/agent/src/api/routes/status.ts';
import { runCli } from '../cli/run-cli.ts';
import { type AgentProcess, spawnAgent } from './agent-process.ts';
import { closedPort, DIM, embedding, FakeEdge, startTestAgent, type TestAgent, waitFor } from './fixtures.ts';

const DEVICE_TOKEN = 'vsd_device-token-must-never-be-logged-4711';
const ADMIN_TOKEN = 'vsa_admin-token-must-never-be-logged-0815';

/** The textual forms a leaked float could take: as sent (8 decimals) and after a float32 round trip. */
function leakForms(values: number[]): string[] {
  return values
    .flatMap((v) => [String(v), String(Math.fround(v)).slice(0, 10)])
    .filter((s) => /\d\.\d{6,}/.test(s));
}

describe('log scan', () => {
  let scratch: TestAgent;
  let agent: AgentProcess;
  let served: { url: string; close(): Promise<void> };
  const edge = new FakeEdge();
  const cliOutput: string[] = [];
  const written: number[][] = [];
  let apiKey = '';

  beforeAll(async () => {
    scratch = await startTestAgent();
    served = await edge.serve();
    agent = await spawnAgent({
      VOICESYNC_DB: join(scratch.dir, 'run.db'),
      VOICESYNC_DIM: String(DIM),
      VOICESYNC_LOG_LEVEL: 'trace',
      VOICESYNC_EDGE_URL: served.url,
      VOICESYNC_TOKEN: DEVICE_TOKEN,
      VOICESYNC_BREAKER_FAILURE_THRESHOLD: '3',
      VOICESYNC_BREAKER_OPEN_MS: '200',
      VOICESYNC_BACKOFF_INITIAL_MS: '10',
      VOICESYNC_BACKOFF_MAX_MS: '20',
      VOICESYNC_MAX_ATTEMPTS: '2',
      VOICESYNC_METRICS_INTERVAL_MS: '200',
      VOICESYNC_RELAY_STATUS_INTERVAL_MS: '1000',
    });
    // The agent keeps its API key beside its database; a client reads it there.
    apiKey = readFileSync(join(scratch.dir, 'api-key'), 'utf8').trim();
    const call = (path: string, method = 'GET', body?: unknown) =>
      fetch(`${agent.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const status = async () =>
      (await (await call('/v1/status')).json()) as Awaited<ReturnType<typeof statusSnapshot>>;
    // The agent learns its position upstream; then Postgres goes down behind the edge.
    await waitFor(async () => (await status()).edge.available === true, 30_000);
    edge.upstreamDown = true;
    edge.relayBreaker = 'OPEN';
    for (let i = 1; i <= 4; i++) {
      const vector = embedding(i);
      written.push(vector);
      await call(`/v1/profiles/speaker-${i}`, 'PUT', {
        name: `Speaker ${i}`,
        embedding: vector,
        priority: 'HIGH',
      });
    }
    const samples = [embedding(20), embedding(21)];
    written.push(...samples);
    const file = join(scratch.dir, 'samples.json');
    writeFileSync(file, JSON.stringify(samples));
    const one = join(scratch.dir, 'one.json');
    writeFileSync(one, JSON.stringify(written[0]));
    const agentFlag = ['--agent', agent.url];
    // The CLI finds the key where the agent keeps it, beside the database VOICESYNC_DB names.
    const client = { env: { VOICESYNC_DB: join(scratch.dir, 'run.db') } };
    const results = await Promise.all([
      runCli(['enroll', 'enrolled', '--name', 'Enrolled', '--file', file, ...agentFlag], client),
      runCli(['verify', 'speaker-1', '--file', one, ...agentFlag], client),
      runCli(['identify', '--file', one, ...agentFlag], client),
      runCli(['status', ...agentFlag], client),
      runCli(['device', 'list', '--tenant', 't1', '--edge', `http://127.0.0.1:${await closedPort()}`], {
        env: { VOICESYNC_ADMIN_TOKEN: ADMIN_TOKEN },
      }),
    ]);
    for (const result of results) cliOutput.push(...result.stderr.split('\n'));
    for (const result of results.slice(0, 4)) expect(result.stderr).not.toContain('unauthorized');
    for (const vector of written.slice(0, 2)) {
      await call('/v1/verify', 'POST', { speakerId: 'speaker-1', embedding: vector });
      await call('/v1/identify', 'POST', { embedding: vector });
    }
    // Bad input: wrong dimension and an unknown speaker go through the error paths.
    await call('/v1/profiles/bad', 'PUT', { name: 'Bad', embedding: [...(written[0] ?? []), 0.12345678] });
    await call('/v1/verify', 'POST', { speakerId: 'nobody', embedding: written[1] });
    await call('/v1/profiles/speaker-2');
    // PostgreSQL comes back, but the edge refuses every mutation: refusals, not the outage, spend
    // the (lowered) retry budget and make dead letters.
    await waitFor(async () => (await status()).edge.breaker === 'OPEN', 30_000);
    edge.upstreamDown = false;
    edge.rejectMutations = true;
    await waitFor(async () => (await status()).outbox.deadLetters >= 4, 30_000);
    edge.rejectMutations = false;
    // Then the edge itself disappears: the re-queued letters fail with connection errors.
    await served.close();
    await call('/v1/outbox/retry', 'POST');
    await waitFor(async () => (await status()).relay?.reachable === false, 15_000);
    // The agent writes the line before its status changes, but the status answer can overtake the
    // line on its way through the stdout pipe: give the pipe a moment (the test below still fails if
    // the line never comes).
    await waitFor(() => messages().includes('relay status unreachable'), 5_000).catch(() => undefined);
    // The pusher's failed attempt against the vanished edge is its own line, written when the
    // re-queued letters are next tried: under load that can come after the status poll's.
    await waitFor(() => unavailableLines() === 2, 15_000).catch(() => undefined);
  });

  /** The `msg` of every JSON line the agent has written so far. */
  function messages(): string[] {
    return agent.lines.flatMap((line) => {
      try {
        return [String(JSON.parse(line).msg)];
      } catch {
        return [];
      }
    });
  }

  const unavailableLines = () =>
    messages().filter((m) => m === 'edge unavailable: writes wait in the outbox').length;

  afterAll(async () => {
    await agent?.stop();
    await served?.close();
    await scratch?.close();
  });

  it('logged the failures it went through, one line per state change', () => {
    const logged = messages();
    expect(logged).toContain('edge breaker CLOSED -> OPEN');
    expect(logged).toContain('relay breaker CLOSED -> OPEN');
    expect(logged).toContain('relay status unreachable');
    expect(logged).toContain('edge rejected mutations; each spends an attempt');
    // Once when PostgreSQL went down behind the edge, once when the edge itself went away.
    expect(unavailableLines()).toBe(2);
    expect(logged).toContain('dead letters re-queued');
  });

  it('wrote structured JSON lines only (besides the listening banner)', () => {
    const unstructured = agent.lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return !/^(voicesync agent listening on|API key in |dashboard \(one-time sign-in link\): )/.test(
          line,
        );
      }
    });
    expect(unstructured).toEqual([]);
  });

  it('never logged a token, a secret or an embedding value', () => {
    const lines = [...agent.lines, ...cliOutput];
    expect(lines.length).toBeGreaterThan(20);
    const forms = leakForms(written.flat());
    expect(forms.length).toBeGreaterThan(DIM * 6);
    for (const line of lines) {
      expect(line).not.toContain(DEVICE_TOKEN);
      expect(line).not.toContain(ADMIN_TOKEN);
      expect(line).not.toContain(apiKey);
      expect(line).not.toMatch(/(-?\d+\.\d+\s*,\s*){7,}/);
      for (const form of forms)
        expect(line, `a value of a written embedding in: ${line}`).not.toContain(form);
    }
  });
});
