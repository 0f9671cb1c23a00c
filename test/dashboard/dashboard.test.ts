// The dashboard in headless Chromium: enrolled speakers, breaker states, and the outbox count following a write.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Servers } from '../../apps/agent/src/api/index.ts';
import { apiKeyHeader } from '../support/in-process-agent.ts';
import { embedding, FakeEdge, startTestAgent, type TestAgent, waitFor } from '../observability/fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`dashboard browser test skipped: ${CHROMIUM} is missing (apt-get install chromium)`);

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector))?.trim() ?? '';
}

/** Waits until the element shows exactly `expected` (the page polls the agent every 2 s). */
async function waitForText(page: Page, selector: string, expected: string): Promise<void> {
  await waitFor(async () => (await textOf(page, selector)) === expected, 15_000);
}

describe.skipIf(!hasChromium)('dashboard in headless Chromium', () => {
  const edge = new FakeEdge();
  let t: TestAgent;
  let servers: Servers;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    // Postgres is down behind a reachable edge: pushes fail, the relay reports its breaker open.
    edge.upstreamDown = true;
    edge.relayBreaker = 'OPEN';
    t = await startTestAgent(
      {
        port: 0,
        edgeUrl: 'https://edge.test',
        token: 'device-token-dashboard',
        breaker: { failureThreshold: 1, openMs: 60_000 },
        metricsIntervalMs: 500,
        relayStatusIntervalMs: 1000,
      },
      edge.fetch,
    );
    servers = await listen(t.app, t.agent);
    const enrol = (id: string, name: string, seeds: number[]) =>
      t.request(`/v1/profiles/${id}/samples`, {
        method: 'POST',
        body: { name, embeddings: seeds.map((s) => embedding(s)) },
      });
    expect((await enrol('alice', 'Alice Example', [1, 2, 3])).status).toBe(200);
    expect((await enrol('bob', 'Bob <b>Builder</b>', [4])).status).toBe(200);
    await waitFor(() => t.agent.breaker.state === 'OPEN');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    // The owner opens the one-time link the agent prints at start; it signs this browser in.
    const link = t.agent.access.loginLink(`http://127.0.0.1:${servers.port}`) ?? '';
    await page.goto(link);
    expect(new URL(page.url()).pathname).toBe('/');
  });

  afterAll(async () => {
    await browser?.close();
    await servers?.close();
    await t?.close();
  });

  it('lists the enrolled speakers with their sample counts, never markup from a name', async () => {
    await page.waitForSelector('#speakers tbody tr:nth-child(2)', { timeout: 15_000 });
    const rows = await Promise.all(
      [1, 2].map((n) => page.locator(`#speakers tbody tr:nth-child(${n}) td`).allTextContents()),
    );
    expect(rows).toEqual([
      ['Alice Example', 'alice', '3', '1'],
      ['Bob <b>Builder</b>', 'bob', '1', '1'],
    ]);
    expect(await page.$$('#speakers b')).toHaveLength(0);
    expect(await textOf(page, '#speaker-count')).toBe('2');
  });

  it('shows the breaker state of the agent and of the relay', async () => {
    await waitForText(page, '#agent-breaker', 'OPEN');
    await waitForText(page, '#relay-breaker', 'OPEN');
    expect(await page.getAttribute('#agent-breaker', 'data-state')).toBe('open');
    expect(await textOf(page, '#edge-available')).toBe('unavailable');
    expect(await textOf(page, '#connection')).toBe('live');
  });

  it('says why the outbox waits and since when', async () => {
    await waitFor(
      async () => (await textOf(page, '#outbox-waiting')).startsWith('waiting: database down for'),
      15_000,
    );
    expect(await page.getAttribute('#outbox-waiting', 'data-state')).toBe('unavailable');
    expect(await page.getAttribute('#outbox-waiting', 'title')).toContain('PostgreSQL');
    expect(await textOf(page, '#outbox-oldest')).toMatch(/^\d+s|^\d+m/);
  });

  it('follows a write through the API into the outbox count', async () => {
    const before = (await t.agent.outbox.counts()).pending;
    await waitForText(page, '#outbox-pending', String(before));
    const put = await fetch(`http://127.0.0.1:${servers.port}/v1/profiles/carol`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...apiKeyHeader(t.agent) },
      body: JSON.stringify({ name: 'Carol', embedding: embedding(9), priority: 'LOW' }),
    });
    expect(put.status).toBe(200);
    await waitForText(page, '#outbox-pending', String(before + 1));
    await waitForText(page, '#outbox-LOW', '1');
    await page.waitForSelector('#speakers tbody tr:nth-child(3)');
    expect(await page.$$('#chart-outbox canvas')).toHaveLength(1);
    expect(await page.$$('#chart-verify canvas')).toHaveLength(1);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  it('locks a browser without a session out, spends a login link once, and takes the key entered once', async () => {
    const base = `http://127.0.0.1:${servers.port}`;
    const context = await browser.newContext();
    try {
      const stranger = await context.newPage();
      const locked = await stranger.goto(`${base}/`);
      expect(locked?.status()).toBe(401);
      expect(await stranger.textContent('h1')).toBe('voicesync agent');
      expect((await context.request.get(`${base}/v1/profiles`)).status()).toBe(401);
      // A link already used (by the page above) signs no one in.
      const link = t.agent.access.loginLink(base) ?? '';
      expect((await stranger.goto(link))?.status()).toBe(200);
      const spent = await context.newPage();
      await context.clearCookies();
      expect((await spent.goto(link))?.status()).toBe(401);
      // The key from the key file, typed once into the form, opens the dashboard.
      await spent.fill('input[name=key]', t.agent.access.options.key ?? '');
      await Promise.all([spent.waitForURL(`${base}/`), spent.click('button[type=submit]')]);
      await spent.waitForSelector('#speakers tbody tr:nth-child(2)', { timeout: 15_000 });
      const cookies = await context.cookies(base);
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    } finally {
      await context.close();
    }
  });

  it('still refuses requests from pages of other origins, signed in or not', async () => {
    const other = await browser.newPage();
    try {
      await other.goto('data:text/html,<p>elsewhere</p>');
      const status = await other.evaluate(async (url) => {
        try {
          return (await fetch(url, { method: 'POST', body: '{}', credentials: 'include' })).status;
        } catch {
          return 'blocked';
        }
      }, `http://127.0.0.1:${servers.port}/v1/outbox/retry`);
      expect([403, 'blocked']).toContain(status);
    } finally {
      await other.close();
    }
  });
});
