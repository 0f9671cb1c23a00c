// The live dashboard: a static page, its script and stylesheet, and uPlot from node_modules, on the API's origin.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { loopbackOnly } from '../api/guard.ts';

interface Asset {
  path: string;
  type: string;
  /** Vendored uPlot may be cached by the browser; our files are revalidated so an upgrade shows at once. */
  immutable: boolean;
}

const require = createRequire(import.meta.url);
const own = (file: string) => fileURLToPath(new URL(`./assets/${file}`, import.meta.url));

const ASSETS: Record<string, Asset> = {
  '/': { path: own('index.html'), type: 'text/html; charset=utf-8', immutable: false },
  '/assets/dashboard.js': {
    path: own('dashboard.js'),
    type: 'text/javascript; charset=utf-8',
    immutable: false,
  },
  '/assets/widgets.js': { path: own('widgets.js'), type: 'text/javascript; charset=utf-8', immutable: false },
  '/assets/dashboard.css': { path: own('dashboard.css'), type: 'text/css; charset=utf-8', immutable: false },
  '/assets/uplot.iife.min.js': {
    path: require.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
    immutable: true,
  },
  '/assets/uplot.min.css': {
    path: require.resolve('uplot/dist/uPlot.min.css'),
    type: 'text/css; charset=utf-8',
    immutable: true,
  },
};

/** Everything comes from this origin; nothing inline, no frames, no referrer leaking the agent's address. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const dashboardLoopbackOnly = loopbackOnly('the dashboard is');

/**
 * The dashboard's routes; mount at `/`. Files are read once, on first request.
 *
 * @example
 * app.route('/', dashboardRoutes());
 */
export function dashboardRoutes(): Hono {
  const app = new Hono();
  const cache = new Map<string, string>();
  for (const [route, asset] of Object.entries(ASSETS)) {
    // Paths are listed one by one: a wildcard middleware here would guard the whole API once mounted at `/`.
    app.use(route, dashboardLoopbackOnly);
    app.get(route, (c) => {
      let body = cache.get(route);
      if (body === undefined) {
        body = readFileSync(asset.path, 'utf8');
        cache.set(route, body);
      }
      return c.body(body, 200, {
        'content-type': asset.type,
        'cache-control': asset.immutable ? 'public, max-age=86400' : 'no-cache',
        ...SECURITY_HEADERS,
      });
    });
  }
  return app;
}
