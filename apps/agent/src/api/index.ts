// The agent's HTTP API (Hono): routes, one error mapping, and the loopback / Unix-socket servers.
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { getRequestListener, type ServerType, serve } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { BlankEnv } from 'hono/types';
import type { Agent } from '../agent.ts';
import { dashboardRoutes } from '../dashboard/index.ts';
import { metricsRoutes } from '../metrics/routes.ts';
import { loginRoutes, UNIX_SOCKET } from './access/index.ts';
import { errorResponse } from './errors.ts';
import { browserGuard } from './guard.ts';
import { documentRoutes } from './openapi/document.ts';
import { authRoutes } from './routes/auth.ts';
import { operationRoutes } from './routes/operations.ts';
import { outboxRoutes } from './routes/outbox.ts';
import { profileListRoutes } from './routes/profile-list.ts';
import { profileRoutes } from './routes/profiles.ts';
import { statusRoutes } from './routes/status.ts';

export function createApp(agent: Agent): OpenAPIHono<BlankEnv> {
  const app = new OpenAPIHono<BlankEnv>();
  app.use('*', browserGuard(agent.config.host, agent.config.allowedHosts));
  app.use('*', agent.access.middleware());
  operationRoutes(agent, app);
  if (agent.access.required) app.route('/', loginRoutes(agent.access));
  app.route('/v1', authRoutes(agent));
  app.route('/v1/profiles', profileListRoutes(agent));
  app.route('/v1/profiles', profileRoutes(agent));
  app.route('/v1/outbox', outboxRoutes(agent));
  app.route('/v1/status', statusRoutes(agent));
  app.route('/', metricsRoutes(agent.metrics));
  if (agent.config.dashboard) app.route('/', dashboardRoutes());
  documentRoutes(app);
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((error, c) => {
    const response = errorResponse(error, c);
    if (response.status >= 500) agent.log.error({ err: error, path: c.req.path }, 'request failed');
    return response;
  });
  return app;
}

export interface Servers {
  port: number;
  close(): Promise<void>;
}

/** Serves on host:port (loopback by default) and, when configured, on a 0600 Unix socket. */
export async function listen(app: OpenAPIHono<BlankEnv>, agent: Agent): Promise<Servers> {
  const { host, port, socketPath } = agent.config;
  const servers: ServerType[] = [];
  const close = () =>
    Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(
      () => undefined,
    );
  // Without an 'error' listener a failed bind (EADDRINUSE, a host that does not resolve) is an uncaught exception.
  const listening = (server: ServerType) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.once('listening', () => {
        server.off('error', reject);
        servers.push(server);
        resolve();
      });
    });
  const tcp = serve({ fetch: app.fetch, hostname: host, port });
  try {
    await listening(tcp);
    if (socketPath) {
      if (existsSync(socketPath)) unlinkSync(socketPath);
      // The socket file is 0600: whoever reaches it is the owner already, so it needs no key.
      const unix = createServer(
        getRequestListener((request, env) => app.fetch(request, { ...env, [UNIX_SOCKET]: true })),
      );
      unix.listen(socketPath);
      await listening(unix);
      chmodSync(socketPath, 0o600);
    }
  } catch (error) {
    await close();
    throw error;
  }
  const address = tcp.address();
  return { port: typeof address === 'object' && address ? address.port : port, close };
}
