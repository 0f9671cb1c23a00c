// The edge Worker's HTTP surface: routes mounted in one place, every error shaped by one handler.
import { OpenAPIHono } from '@hono/zod-openapi';
import { VoicesyncError } from '@voicesync/core';
import type { Env } from './env.ts';
import { errorResponse } from './errors/index.ts';
import { admin } from './routes/admin/index.ts';
import { device } from './routes/device/index.ts';
import { health } from './routes/health/index.ts';
import { metrics } from './routes/metrics/index.ts';
import { notify } from './routes/notify/index.ts';
import { documentRoutes } from './routes/openapi/index.ts';
import { pull } from './routes/pull/index.ts';
import { push } from './routes/push/index.ts';

export const app = new OpenAPIHono<{ Bindings: Env }>();

// Agents compare their clock with this header (Cloudflare adds it in production; workerd locally does not).
// Set on the response's own headers: hono's `c.header` after the handler copies the whole Response.
app.use('*', async (c, next) => {
  await next();
  if (c.res.status === 101 || c.res.headers.has('date')) return;
  const date = new Date().toUTCString();
  try {
    c.res.headers.set('Date', date);
  } catch {
    // Immutable headers (a response fetched from elsewhere): hono copies the response once.
    c.header('Date', date);
  }
});

app.route('/', health);
app.route('/metrics', metrics);
app.route('/v1/push', push);
app.route('/v1/pull', pull);
app.route('/v1/notify', notify);
app.route('/v1/device', device);
app.route('/v1/admin', admin);
documentRoutes(app);

app.notFound(() => {
  throw new VoicesyncError('not_found', 'no such route');
});
app.onError(errorResponse);
