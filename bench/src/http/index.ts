// Verifications per second through the agent's HTTP API (agent in its own process, one core),
// beside GET /health on the same server as the HTTP floor. Load from autocannon on loopback.
import autocannon from 'autocannon';
import { startAgent } from '../../../test/harness/index.ts';
import { putProfile, randomVector } from '../../../test/support/index.ts';
import { table } from '../stats/index.ts';

const PROFILES = 1000;
const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 10);

function run(
  url: string,
  init: { method: 'GET' | 'POST'; body?: string; apiKey?: string | undefined },
  connections = 10,
): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: init.method,
    connections,
    pipelining: 1,
    duration: DURATION_S,
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.apiKey ? { authorization: `Bearer ${init.apiKey}` } : {}),
    },
    ...(init.body ? { body: init.body } : {}),
  });
}

export async function benchHttp(): Promise<string> {
  const agent = await startAgent({ env: { VOICESYNC_LOG_LEVEL: 'warn', UV_THREADPOOL_SIZE: '1' } });
  try {
    for (let i = 0; i < PROFILES; i++) {
      const response = await putProfile(agent.url, `http-${i}`, {
        name: `H${i}`,
        embedding: randomVector(70_000 + i),
      });
      await response.arrayBuffer();
    }
    const probe = randomVector(70_007).map((v, i) => v + 0.01 * Math.sin(i));
    const verifyBody = JSON.stringify({ speakerId: 'http-7', embedding: probe });
    const identifyBody = JSON.stringify({ embedding: probe, k: 3 });
    const health = await run(`${agent.url}/health`, { method: 'GET' });
    // Every route but /health checks the API key, as a real pipeline's requests are.
    const apiKey = agent.apiKey;
    const verify = await run(`${agent.url}/v1/verify`, { method: 'POST', body: verifyBody, apiKey });
    const identify = await run(`${agent.url}/v1/identify`, { method: 'POST', body: identifyBody, apiKey });
    // Latency without queueing: two clients keep the agent busy without waiting in line.
    const verifyLatency = await run(
      `${agent.url}/v1/verify`,
      { method: 'POST', body: verifyBody, apiKey },
      2,
    );
    const row = (name: string, r: autocannon.Result) => [
      name,
      r.requests.average,
      r.latency.p50,
      r.latency.p99,
      r.non2xx + r.errors,
    ];
    return `## Agent HTTP API (N = ${PROFILES} profiles, 192-d, ${DURATION_S} s each, agent in its own process)\n\n${table(
      ['request', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
      [
        row('GET /health (HTTP floor), 10 connections', health),
        row('POST /v1/verify, 10 connections', verify),
        row('POST /v1/identify k=3, 10 connections', identify),
        row('POST /v1/verify, 2 connections', verifyLatency),
      ],
    )}\n\nTargets: verify >= 5,000/s with p99 < 2 ms. autocannon reports latency in whole milliseconds.`;
  } finally {
    await agent.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchHttp());
