// Child process of `voicesync dev` that runs the edge Worker in workerd (wrangler's startWorker), and stops it with its parent.
import { getNodeCompat } from 'miniflare';
import { unstable_startWorker } from 'wrangler';

export interface EdgeRunnerRequest {
  configPath: string;
  port: number;
  persistDir: string;
  /** Worker vars, some secret: they come over the IPC channel, never argv or the environment. */
  vars: Record<string, string>;
  /** DevTools inspector port; absent keeps the inspector off. */
  inspectorPort?: number;
}

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

let worker: Worker | undefined;
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await worker?.dispose().catch(() => undefined);
  }
  process.exit(code);
}

// With the parent gone its pipes are too: a failed write must not crash this process before workerd is stopped.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
// The IPC channel closes when the parent exits however it exits, SIGKILL included: workerd must not outlive it.
process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

process.once('message', async (request: EdgeRunnerRequest) => {
  try {
    worker = await unstable_startWorker({
      config: request.configPath,
      // Bundle with the config's nodejs_compat, as `wrangler dev` and `wrangler deploy` do: without
      // this hook startWorker bundles as if the flag were off and warns about every node: import.
      build: {
        nodejsCompatMode: (config) =>
          getNodeCompat(config.compatibility_date, config.compatibility_flags ?? []).mode,
      },
      bindings: Object.fromEntries(
        Object.entries(request.vars).map(([name, value]) => [name, { type: 'plain_text', value }]),
      ),
      dev: {
        server: { hostname: '127.0.0.1', port: request.port },
        // The inspector runs any code inside the Worker, secrets included: only on request.
        inspector:
          request.inspectorPort === undefined
            ? false
            : { hostname: '127.0.0.1', port: request.inspectorPort },
        persist: request.persistDir,
        logLevel: 'warn',
      },
    });
    await worker.ready;
    process.send?.({ ready: true });
  } catch (error) {
    console.error(`edge failed to start: ${(error as Error).message}`);
    await stop(1);
  }
});
