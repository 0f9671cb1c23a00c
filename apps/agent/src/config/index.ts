// Agent configuration: defaults < config file < environment < explicit options.
import { VoicesyncError } from '@voicesync/core';
import { type AgentConfig, type AgentConfigInput, agentConfigSchema } from './schema.ts';

export { type AgentConfig, type AgentConfigInput, agentConfigSchema } from './schema.ts';

/** Environment variables and the option each one sets. */
const ENV_KEYS: Record<string, { key: keyof AgentConfigInput; type: 'string' | 'number' }> = {
  VOICESYNC_HOST: { key: 'host', type: 'string' },
  VOICESYNC_PORT: { key: 'port', type: 'number' },
  VOICESYNC_SOCKET: { key: 'socketPath', type: 'string' },
  VOICESYNC_DB: { key: 'db', type: 'string' },
  VOICESYNC_EDGE_URL: { key: 'edgeUrl', type: 'string' },
  VOICESYNC_DEVICE_ID: { key: 'deviceId', type: 'string' },
  VOICESYNC_TOKEN: { key: 'token', type: 'string' },
  VOICESYNC_DIM: { key: 'dim', type: 'number' },
  VOICESYNC_SYNC_INTERVAL_MS: { key: 'syncIntervalMs', type: 'number' },
  VOICESYNC_LOG_LEVEL: { key: 'logLevel', type: 'string' },
};

export function configFromEnv(env: Record<string, string | undefined>): Partial<AgentConfigInput> {
  const out: Record<string, unknown> = {};
  for (const [name, { key, type }] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    out[key] = type === 'number' ? Number(raw) : raw;
  }
  return out as Partial<AgentConfigInput>;
}

/** Validates merged layers; the error names the first bad key. */
export function resolveConfig(...layers: Array<Partial<AgentConfigInput> | undefined>): AgentConfig {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) if (value !== undefined) merged[key] = value;
  }
  const parsed = agentConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key =
      issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'config');
    throw new VoicesyncError(
      'invalid_config',
      `invalid config key "${key}": ${issue?.message ?? 'invalid'}`,
      {
        details: { key },
      },
    );
  }
  return parsed.data;
}
