// `voicesync dev` (what `npm start` runs): embedded Postgres, the edge in workerd and an agent, together.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { VoicesyncError } from '@voicesync/core';
import type { Command } from 'commander';
import { configFromEnv, resolveConfig } from '../../../config/index.ts';
import { ensureDemoDevice, readDemoState, writeDemoState } from './demo-device.ts';
import { startLocalEdge } from './local-edge.ts';
import { accessLines } from '../access-lines.ts';
import { listenFailure, listenReason } from '../listen-failure.ts';

const ROOT = fileURLToPath(new URL('../../../../../../', import.meta.url));

interface DevFlags {
  dir: string;
  inspectEdge?: string;
  resetSync?: boolean;
}

/** A taken port fails here with the fix in the message, not later as a child's exit code. */
async function ensurePortFree(port: number, what: string, variable: string): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) =>
      reject(
        new VoicesyncError(
          'invalid_config',
          `cannot start ${what} on 127.0.0.1:${port}: ${listenReason(error)} (set ${variable} to another port)`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

async function runDev(flags: DevFlags): Promise<void> {
  // Heavy modules load only for this command, so the rest of the CLI starts fast.
  const { migratePostgresAt } = await import('../db-migrate.ts');
  const { createAgent } = await import('../../../agent.ts');
  const { createApp, listen } = await import('../../../api/index.ts');
  const { startEmbeddedPostgres } = await import('./embedded-postgres.ts');
  const dir = flags.dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // It holds the API key, the PostgreSQL password and the demo device's token.
  chmodSync(dir, 0o700);
  const stops: Array<() => Promise<void>> = [];
  const say = (line: string) => console.log(`[voicesync] ${line}`);
  async function startAll(): Promise<void> {
    let databaseUrl = process.env.DATABASE_URL;
    if (databaseUrl) say('using the PostgreSQL at DATABASE_URL');
    else {
      say('starting embedded PostgreSQL (PGlite); set DATABASE_URL to use a real server');
      const pgPort = Number(process.env.VOICESYNC_PG_PORT ?? 54329);
      await ensurePortFree(pgPort, 'the embedded PostgreSQL', 'VOICESYNC_PG_PORT');
      const pg = await startEmbeddedPostgres(`${dir}/pgdata`, pgPort);
      stops.unshift(pg.stop);
      databaseUrl = pg.url;
    }
    await migratePostgresAt(databaseUrl);

    const statePath = `${dir}/demo.json`;
    const saved = readDemoState(statePath);
    const edgePort = Number(process.env.VOICESYNC_EDGE_PORT ?? 8787);
    await ensurePortFree(edgePort, 'the edge', 'VOICESYNC_EDGE_PORT');
    const adminToken = saved?.adminToken ?? randomBytes(32).toString('base64url');
    // Signs device tokens; kept with the demo state so the saved device token stays valid.
    const deviceTokenKey = saved?.deviceTokenKey ?? randomBytes(32).toString('base64url');
    say(`starting the edge Worker in workerd on 127.0.0.1:${edgePort}`);
    const edge = await startLocalEdge({
      configPath: `${ROOT}wrangler.toml`,
      port: edgePort,
      persistDir: `${dir}/edge-state`,
      ...(flags.inspectEdge === undefined ? {} : { inspectorPort: Number(flags.inspectEdge) }),
      vars: { DATABASE_URL: databaseUrl, ADMIN_TOKEN: adminToken, DEVICE_TOKEN_KEY: deviceTokenKey },
      onLine: (line) => console.log(`[edge] ${line}`),
    });
    stops.unshift(edge.stop);

    const demo = await ensureDemoDevice({
      edgeUrl: edge.url,
      tenantId: saved?.tenantId ?? 'demo',
      adminToken,
      deviceTokenKey,
      ...(saved?.deviceId ? { deviceId: saved.deviceId } : {}),
      ...(saved?.token ? { token: saved.token } : {}),
    });
    writeDemoState(statePath, demo);

    const config = resolveConfig({ db: `${dir}/agent.db` }, configFromEnv(process.env), {
      edgeUrl: edge.url,
      deviceId: demo.deviceId,
      token: demo.token,
    });
    const agent = await createAgent(config, { resetSync: flags.resetSync === true });
    const servers = await listen(createApp(agent), agent).catch(async (error: unknown) => {
      await agent.close();
      throw listenFailure(error, config);
    });
    stops.unshift(async () => {
      await servers.close();
      await agent.close();
    });

    const url = `http://${config.host}:${servers.port}`;
    say(`agent ready at ${url}  (edge ${edge.url}, tenant "${demo.tenantId}", device ${demo.deviceId})`);
    for (const line of accessLines(agent.access, url)) say(line);
    const auth = agent.access.options.keyPath
      ? `-H "authorization: Bearer $(cat ${agent.access.options.keyPath})" `
      : '';
    say(`try: curl -s ${auth}${url}/v1/status`);
    say(
      `     curl -s -X PUT ${auth}${url}/v1/profiles/alice -H 'content-type: application/json' -d '{"name":"Alice","embedding":[${'0.1,'.repeat(config.dim - 1)}0.1]}'`,
    );
  }
  const stopAll = async () => {
    for (const stop of stops) await stop().catch((error: unknown) => console.error(error));
  };
  try {
    await startAll();
  } catch (error) {
    // What did start (PostgreSQL, workerd) must not outlive a failed start.
    await stopAll();
    throw error;
  }

  say('Ctrl-C stops everything');

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    await stopAll();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description(
      'run the whole system locally: embedded Postgres (unless DATABASE_URL), edge in workerd, agent',
    )
    .option('--dir <dir>', 'state directory', '.voicesync')
    .option('--inspect-edge <port>', "open workerd's DevTools inspector on 127.0.0.1:<port> (off by default)")
    .option('--reset-sync', "push every local profile as the agent's first sync with this database")
    .action(runDev);
}
