// A test agent in this process, served on a loopback port, for CLI commands to call over HTTP.
import { join } from 'node:path';
import { listen } from '../../apps/agent/src/api/index.ts';
import { startTestAgent, type TestAgent } from '../observability/fixtures.ts';

export interface ServedAgent {
  t: TestAgent;
  /** `--agent <url>`, ready to spread into runCli's arguments. */
  flag: string[];
  /** Environment that points the CLI at this agent's key file (spread into runCli's options). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function servedTestAgent(): Promise<ServedAgent> {
  const t = await startTestAgent({ port: 0 });
  const servers = await listen(t.app, t.agent);
  return {
    t,
    flag: ['--agent', `http://127.0.0.1:${servers.port}`],
    env: { VOICESYNC_API_KEY_FILE: join(t.dir, 'api-key') },
    async close() {
      await servers.close();
      await t.close();
    },
  };
}
