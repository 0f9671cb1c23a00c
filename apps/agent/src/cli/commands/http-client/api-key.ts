// The agent's API key as a CLI client finds it: VOICESYNC_API_KEY, else the key file the agent would use.
import { existsSync } from 'node:fs';
import { apiKeyPath } from '../../../api/api-key/index.ts';
import { agentConfigSchema, readConfigFile, readEnv, readSecretFile } from '../../../config/index.ts';

/**
 * The key, or undefined when there is none to send (the agent then answers 401 saying where its key is).
 * The file is found the way the agent finds it: `apiKeyFile`, else `api-key` beside `db`, from the
 * environment and the VOICESYNC_CONFIG file, so a client and its agent agree without extra flags.
 */
export function clientApiKey(env: Record<string, string | undefined>): string | undefined {
  const { values } = readEnv(env);
  if (typeof values.apiKey === 'string') return values.apiKey;
  const file = env.VOICESYNC_CONFIG ? readConfigFile(env.VOICESYNC_CONFIG) : {};
  const pick = (key: 'apiKeyFile' | 'db') => {
    const value = values[key] ?? file[key];
    return typeof value === 'string' ? value : undefined;
  };
  const path = apiKeyPath({
    apiKeyFile: pick('apiKeyFile'),
    db: pick('db') ?? agentConfigSchema.shape.db.parse(undefined),
  });
  // A missing file is not an error here: the agent may run elsewhere, or without a key.
  return existsSync(path) ? readSecretFile(path, 'apiKeyFile') : undefined;
}
