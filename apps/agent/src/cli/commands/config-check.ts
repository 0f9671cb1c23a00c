// `voicesync config check`: validates the configuration the agent would start with and prints it, secrets masked.
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { printJson } from './output/index.ts';

export function registerConfigCheck(program: Command): void {
  program
    .command('config')
    .description('agent configuration')
    .command('check')
    .description(
      'validate the config file and VOICESYNC_* variables (exit 2 naming the bad key) and print the result',
    )
    .option('-c, --config <file>', 'JSON config file (default: VOICESYNC_CONFIG)')
    .action((flags: { config?: string }) => {
      const config = loadConfig({ file: flags.config, env: process.env });
      printJson({
        ...config,
        ...(config.token === undefined ? {} : { token: '[set]' }),
        ...(config.apiKey === undefined ? {} : { apiKey: '[set]' }),
      });
    });
}
