// Debian's real Prometheus against a live agent and edge: promtool accepts both /metrics pages, a
// Prometheus server scrapes both, and a counter it stores moves by exactly the verifications made.
// docs/prometheus/alerts.yml passes `promtool check rules` and its unit tests.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentHandle,
  type EdgeHandle,
  type PostgresHandle,
  type PrometheusHandle,
  prometheusInstalled,
  promtool,
  repoPath,
  startAgent,
  startEdge,
  startPostgres,
  startPrometheus,
} from '../harness/index.ts';
import { provisionDevice, randomVector } from '../support/index.ts';

// CI installs Prometheus (.ci/run); a developer machine without it skips rather than fails.
const required = process.env.CI === 'true';
const run = prometheusInstalled() || required;

const ADMIN_TOKEN = randomBytes(18).toString('base64url');
const VERIFICATIONS = 7;

interface OutboxStatus {
  outbox: { pending: number };
}

/** The agent's API key once it has one (issue 12); until then requests carry no key. */
function keyOf(agent: AgentHandle): string | undefined {
  return (agent as { apiKey?: string }).apiKey;
}

function agentFetch(agent: AgentHandle, path: string, init: { method?: string; body?: unknown } = {}) {
  const key = keyOf(agent);
  return fetch(`${agent.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

describe.skipIf(!run)('Prometheus against a live agent and edge', () => {
  let postgres: PostgresHandle;
  let edge: EdgeHandle;
  let agent: AgentHandle;
  let prometheus: PrometheusHandle;

  beforeAll(async () => {
    expect(
      prometheusInstalled(),
      'Debian package prometheus (run .ci/run, or apt-get install prometheus)',
    ).toBe(true);
    postgres = await startPostgres();
    edge = await startEdge({ vars: { DATABASE_URL: postgres.url, ADMIN_TOKEN } });
    const device = await provisionDevice(edge.url, ADMIN_TOKEN, 'tenant-prometheus');
    agent = await startAgent({ edge: edge.url, deviceId: device.deviceId, token: device.token });
    const key = keyOf(agent);
    prometheus = await startPrometheus({
      targets: [
        { job: 'voicesync-agent', url: agent.url, ...(key ? { bearerToken: key } : {}) },
        { job: 'voicesync-edge', url: edge.url },
      ],
      ruleFiles: [repoPath('docs', 'prometheus', 'alerts.yml')],
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await agent?.destroy();
    await edge?.destroy();
    await postgres?.destroy();
  });

  it('passes `promtool check metrics` on the agent and edge /metrics after real traffic', async () => {
    const put = await agentFetch(agent, '/v1/profiles/lint', {
      method: 'PUT',
      body: { name: 'Lint', embedding: randomVector(1), priority: 'CRITICAL' },
    });
    expect(put.status).toBe(200);
    // A push reaches the Relay, so its pool and push families carry samples too.
    await expect
      .poll(
        async () => ((await (await agentFetch(agent, '/v1/status')).json()) as OutboxStatus).outbox.pending,
        {
          timeout: 30_000,
        },
      )
      .toBe(0);
    for (const [name, url] of [
      ['agent', `${agent.url}/metrics`],
      ['edge', `${edge.url}/metrics`],
    ] as const) {
      const key = name === 'agent' ? keyOf(agent) : undefined;
      const text = await (
        await fetch(url, key ? { headers: { authorization: `Bearer ${key}` } } : {})
      ).text();
      expect(text, name).toContain('voicesync_');
      const check = promtool(['check', 'metrics'], text);
      expect(check.output, name).toBe('');
      expect(check.status, name).toBe(0);
    }
  });

  it('scrapes both (up == 1) and stores a counter that moved by exactly the verifications made', async () => {
    await prometheus.waitFor('up == 1', (samples) => samples.length === 2);
    const up = await prometheus.query('up');
    expect(Object.fromEntries(up.map((s) => [s.metric.job, s.value]))).toEqual({
      'voicesync-agent': 1,
      'voicesync-edge': 1,
    });

    const enrol = await agentFetch(agent, '/v1/profiles/prom/samples', {
      method: 'POST',
      body: { name: 'Prom', embeddings: [randomVector(42)] },
    });
    expect(enrol.status).toBe(200);
    const accepted = 'voicesync_verify_total{job="voicesync-agent",decision="accepted"}';
    // Wait until a scrape has seen the counter before the verifications (absent until the first one).
    const before = (await prometheus.query(`sum(${accepted}) or vector(0)`))[0]?.value ?? 0;
    for (let i = 0; i < VERIFICATIONS; i++) {
      const verify = await agentFetch(agent, '/v1/verify', {
        method: 'POST',
        body: { speakerId: 'prom', embedding: randomVector(42) },
      });
      expect(await verify.json()).toMatchObject({ accepted: true });
    }
    const after = await prometheus.waitFor(
      `sum(${accepted})`,
      (s) => (s[0]?.value ?? 0) >= before + VERIFICATIONS,
    );
    expect(after[0]?.value).toBe(before + VERIFICATIONS);

    // The edge's own counter moved too: the enrolment's push committed at the Relay.
    await prometheus.waitFor(
      'sum(voicesync_relay_push_batches_total{job="voicesync-edge"})',
      (s) => (s[0]?.value ?? 0) >= 1,
    );
  });

  it('loads docs/prometheus/alerts.yml and evaluates every rule without error, none firing on a healthy system', async () => {
    const body = await prometheus.waitFor('vector(1)', () => true);
    expect(body).toHaveLength(1);
    const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
      data: {
        groups: Array<{ rules: Array<{ name: string; health: string; state: string; lastError?: string }> }>;
      };
    };
    const all = rules.data.groups.flatMap((group) => group.rules);
    expect(all.map((rule) => rule.name).sort()).toEqual([
      'VoicesyncAgentBreakerOpen',
      'VoicesyncDeadLetters',
      'VoicesyncOutboxStale',
      'VoicesyncPoolAcquireTimeouts',
      'VoicesyncPoolSaturated',
      'VoicesyncRelayBreakerOpen',
    ]);
    await expect
      .poll(
        async () => {
          const now = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as typeof rules;
          return now.data.groups
            .flatMap((group) => group.rules)
            .map((rule) => `${rule.name}:${rule.health}:${rule.state}`);
        },
        { timeout: 15_000 },
      )
      .toEqual(all.map((rule) => `${rule.name}:ok:inactive`));
  });

  it('passes `promtool check rules` and the rules unit tests of docs/prometheus', () => {
    const check = promtool(['check', 'rules', repoPath('docs', 'prometheus', 'alerts.yml')]);
    expect(check.output).toContain('SUCCESS: 6 rules found');
    expect(check.status).toBe(0);
    const unit = promtool(['test', 'rules', repoPath('docs', 'prometheus', 'alerts.test.yml')]);
    expect(unit.output).toContain('SUCCESS');
    expect(unit.status).toBe(0);
  });
});
