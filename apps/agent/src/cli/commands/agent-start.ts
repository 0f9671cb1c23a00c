// `voicesync agent start`: run the local agent until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { type Progress, startProgress } from './progress/index.ts';
import type { Servers } from '../../api/index.ts';
import { accessLines } from './access-lines.ts';
import { listenFailure } from './listen-failure.ts';
import { type AgentConfigInput, loadConfig } from '../../config/index.ts';

interface StartFlags {
  config?: string;
  port?: string;
  host?: string;
  db?: string;
  edge?: string;
  deviceId?: string;
  token?: string;
  tokenFile?: string;
  socket?: string;
  allowUnauthenticated?: boolean;
  allowRemoteApi?: boolean;
  resetSync?: boolean;
}

function flagLayer(flags: StartFlags): Partial<AgentConfigInput> {
  return {
    ...(flags.port === undefined ? {} : { port: Number(flags.port) }),
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.db === undefined ? {} : { db: flags.db }),
    ...(flags.edge === undefined ? {} : { edgeUrl: flags.edge }),
    ...(flags.deviceId === undefined ? {} : { deviceId: flags.deviceId }),
    ...(flags.token === undefined ? {} : { token: flags.token }),
    ...(flags.tokenFile === undefined ? {} : { tokenFile: flags.tokenFile }),
    ...(flags.socket === undefined ? {} : { socketPath: flags.socket }),
    ...(flags.allowUnauthenticated ? { allowUnauthenticated: true } : {}),
    ...(flags.allowRemoteApi ? { allowRemoteApi: true } : {}),
  };
}

export async function startAgent(flags: StartFlags): Promise<void> {
  // Loaded here, not at the top: every other command starts without libSQL, wasm or the API.
  const { createAgent } = await import('../../agent.ts');
  const { createApp, listen } = await import('../../api/index.ts');
  const config = loadConfig({ file: flags.config, env: process.env, flags: flagLayer(flags) });
  let bar: Progress | undefined;
  const agent = await createAgent(config, {
    resetSync: flags.resetSync === true,
    // Small databases load in milliseconds; a bar only helps from tens of thousands of profiles.
    onPreload: (loaded, total) => {
      if (total < 10_000) return;
      bar ??= startProgress('preloading the embedding index', total, 'profiles');
      bar.update(loaded, total);
      if (loaded >= total) bar.stop();
    },
  });
  const app = createApp(agent);
  let servers: Servers;
  try {
    servers = await listen(app, agent);
  } catch (error) {
    await agent.close();
    throw listenFailure(error, config);
  }
  agent.log.info({ port: servers.port, db: agent.store.path, edge: config.edgeUrl ?? null }, 'agent ready');
  const url = `http://${config.host}:${servers.port}`;
  console.log(`voicesync agent listening on ${url}`);
  for (const line of accessLines(agent.access, url)) console.log(line);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    agent.log.info({ signal }, 'agent stopping');
    await servers.close();
    await agent.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

export function registerAgentStart(program: Command): void {
  program
    .command('agent')
    .description('the local agent')
    .command('start')
    .description('run the agent (HTTP API on loopback, background sync)')
    .option('-c, --config <file>', 'JSON config file (default: VOICESYNC_CONFIG)')
    .option('-p, --port <port>', 'HTTP port (default 7420)')
    .option('--host <host>', 'bind address (default 127.0.0.1)')
    .option('--db <file>', 'libSQL file (default .voicesync/agent.db)')
    .option('--edge <url>', 'edge Worker base URL')
    .option('--device-id <id>', 'this device id')
    .option('--token <token>', 'device token (prefer VOICESYNC_TOKEN)')
    .option('--token-file <file>', 'file holding the device token, mode 0600')
    .option('--socket <path>', 'also listen on this Unix socket (mode 0600, no key needed there)')
    .option('--allow-unauthenticated', 'serve the API without its key (every local user can use it)')
    .option('--allow-remote-api', 'allow --host to be a non-loopback address (the key stays required)')
    .option(
      '--reset-sync',
      'the database synced with another upstream: keep the profiles, forget the old position, push them all',
    )
    .action(startAgent);
}
