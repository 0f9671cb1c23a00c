// The `voicesync` command line.
import { Command } from 'commander';
import { registerAgentStart } from './commands/agent-start.ts';
import { registerDev } from './commands/dev/index.ts';

const program = new Command('voicesync').description('local-first voice profile store and sync');
registerAgentStart(program);
registerDev(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { code?: string }).code;
  console.error(`voicesync: ${(error as Error).message}`);
  process.exit(code === 'invalid_config' ? 2 : 1);
}
