import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { dashboardRoutes } from './index.ts';

function app(): Hono {
  const root = new Hono();
  root.route('/', dashboardRoutes());
  root.get('/v1/status', (c) => c.json({ ok: true }));
  return root;
}

describe('dashboardRoutes', () => {
  it('serves the page, its assets and uPlot with a strict CSP', async () => {
    const page = await app().request('http://127.0.0.1:7420/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    for (const asset of [
      '/assets/dashboard.js',
      '/assets/dashboard.css',
      '/assets/uplot.iife.min.js',
      '/assets/uplot.min.css',
    ]) {
      expect(html).toContain(asset);
      const response = await app().request(`http://localhost${asset}`);
      expect(response.status, asset).toBe(200);
    }
    expect(await (await app().request('http://localhost/assets/uplot.iife.min.js')).text()).toContain(
      'uPlot',
    );
  });

  it('refuses host names that are not loopback, without guarding the API', async () => {
    const rebound = await app().request('http://127.0.0.1:7420/', { headers: { host: 'evil.example:7420' } });
    expect(rebound.status).toBe(403);
    expect(await rebound.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await app().request('http://[::1]:7420/assets/dashboard.js')).status).toBe(200);
    const api = await app().request('http://127.0.0.1/v1/status', { headers: { host: 'evil.example' } });
    expect(api.status).toBe(200);
  });
});
