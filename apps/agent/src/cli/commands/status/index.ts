// `voicesync status`: the agent's state from GET /v1/status, for people (default) or as raw JSON (--json).
import type { Command } from 'commander';
import { agentOption, agentTarget, requestJson } from '../http-client/index.ts';
import { printJson, terminalColors } from '../output/index.ts';
import { type AgentStatus, formatStatus } from './format.ts';

export { type AgentStatus, formatStatus } from './format.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("show the agent's state: outbox, sync, breakers, relay, cache, latency")
    .addOption(agentOption())
    .option('--json', 'print the raw JSON of GET /v1/status')
    .action(async (flags: { agent: string; json?: boolean }) => {
      const status = await requestJson<AgentStatus>(agentTarget(flags), '/v1/status');
      if (flags.json) printJson(status);
      else console.log(formatStatus(status, flags.agent, terminalColors()));
    });
}
