// Agent configuration: defaults < config file < environment < explicit options, validated by one zod schema.
export { configFromEnv, ENV_BINDINGS, type EnvBinding, readEnv } from './env.ts';
export { type ConfigSources, loadConfig, readConfigFile } from './load.ts';
export { type ConfigLayer, resolveConfig, resolveConfigLayers } from './resolve.ts';
export { type AgentConfig, type AgentConfigInput, agentConfigSchema } from './schema.ts';
export { readSecretFile } from './secret-file.ts';
