// The `voicesync` command line.
import { Command } from 'commander';
import { registerAgentStart } from './commands/agent-start.ts';
import { registerConfigCheck } from './commands/config-check.ts';
import { registerDbMigrate } from './commands/db-migrate.ts';
import { registerDevice } from './commands/device/index.ts';
import { registerDev } from './commands/dev/index.ts';
import { registerEnroll } from './commands/enroll.ts';
import { reportCliError } from './commands/exit-codes/index.ts';
import { registerIdentify } from './commands/identify.ts';
import { registerImport } from './commands/import.ts';
import { registerOutbox } from './commands/outbox/index.ts';
import { registerStatus } from './commands/status/index.ts';
import { registerVerify } from './commands/verify.ts';

const program = new Command('voicesync').description('local-first voice profile store and sync');
// Before any command is added: subcommands inherit it, so usage errors reach reportCliError (exit 2).
program.exitOverride();
registerAgentStart(program);
registerDev(program);
registerEnroll(program);
registerImport(program);
registerVerify(program);
registerIdentify(program);
registerStatus(program);
registerOutbox(program);
registerDevice(program);
registerDbMigrate(program);
registerConfigCheck(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exit(reportCliError(error));
}
