// Loads the agent's configuration: defaults < JSON config file < environment < command-line flags, then the token.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { VoicesyncError } from '@voicesync/core';
import { readEnv } from './env.ts';
import { type ConfigLayer, resolveConfigLayers } from './resolve.ts';
import type { AgentConfig } from './schema.ts';
import { readSecretFile } from './secret-file.ts';

export interface ConfigSources {
  /** Path of the JSON config file; when absent, VOICESYNC_CONFIG names it; without both there is none. */
  file?: string | undefined;
  env: Record<string, string | undefined>;
  /** Explicit options (command-line flags): they win over everything else. */
  flags?: Record<string, unknown>;
}

/** Options whose relative paths mean "next to the config file", so a service unit can run from any directory. */
const PATH_KEYS = ['db', 'tokenFile', 'socketPath', 'apiKeyFile'] as const;

function invalid(key: string, message: string, cause?: unknown): VoicesyncError {
  return new VoicesyncError('invalid_config', `invalid config key "${key}": ${message}`, {
    details: { key },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The options in a JSON config file; secrets are refused so they never sit in a file meant to be shared. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalid(
      'config',
      `cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      error,
    );
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    throw invalid('config', `config file ${path} is not valid JSON: ${(error as Error).message}`, error);
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw invalid('config', `config file ${path} must hold one JSON object of options`);
  }
  const options = values as Record<string, unknown>;
  if ('token' in options) {
    throw invalid(
      'token',
      `secrets are not read from the config file ${path}; set VOICESYNC_TOKEN, --token or tokenFile (mode 0600)`,
    );
  }
  if ('apiKey' in options) {
    throw invalid(
      'apiKey',
      `secrets are not read from the config file ${path}; set VOICESYNC_API_KEY or apiKeyFile (mode 0600)`,
    );
  }
  for (const key of PATH_KEYS) {
    const value = options[key];
    if (typeof value === 'string' && !isAbsolute(value)) options[key] = resolve(dirname(path), value);
  }
  return options;
}

/**
 * The validated configuration; a bad value fails with `invalid_config` naming the key and where it came from.
 *
 * @example
 * const config = loadConfig({ file: flags.config, env: process.env, flags: { port: 7420 } });
 */
export function loadConfig(sources: ConfigSources): AgentConfig {
  const file = sources.file ?? sources.env.VOICESYNC_CONFIG;
  const env = readEnv(sources.env);
  const layers: ConfigLayer[] = [
    { values: file ? readConfigFile(file) : {}, describe: () => `config file ${file}` },
    { values: env.values, describe: (key) => env.names.get(key) ?? 'environment' },
    { values: sources.flags ?? {}, describe: () => 'command line' },
  ];
  const config = resolveConfigLayers(layers);
  // An explicit token (environment or flag) wins over the file, so a one-off run can override it.
  if (config.token === undefined && config.tokenFile !== undefined) {
    return { ...config, token: readSecretFile(config.tokenFile, 'tokenFile') };
  }
  return config;
}
