// Environment variables: one per option, named after its path (breaker.openMs -> VOICESYNC_BREAKER_OPEN_MS).
import { z } from 'zod';
import { agentConfigSchema } from './schema.ts';

export interface EnvBinding {
  name: string;
  /** Option path, e.g. ['breaker', 'openMs']. */
  path: string[];
  /**
   * `json` for maps such as speakerThresholds: the variable holds a JSON object. `list` for
   * arrays of strings: the variable holds them comma-separated.
   */
  type: 'string' | 'number' | 'boolean' | 'json' | 'list';
}

interface JsonSchemaNode {
  type?: string;
  properties?: Record<string, JsonSchemaNode>;
}

/** Older names kept working beside the derived ones. */
const ALIASES: Record<string, string> = { VOICESYNC_SOCKET: 'socketPath' };

function envName(path: string[]): string {
  return `VOICESYNC_${path.map((key) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

function bindingType(type: string | undefined): EnvBinding['type'] {
  if (type === 'integer' || type === 'number') return 'number';
  if (type === 'boolean') return 'boolean';
  if (type === 'object') return 'json';
  if (type === 'array') return 'list';
  return 'string';
}

function bindingsOf(node: JsonSchemaNode, path: string[]): EnvBinding[] {
  if (node.type === 'object' && node.properties) {
    return Object.entries(node.properties).flatMap(([key, child]) => bindingsOf(child, [...path, key]));
  }
  return [{ name: envName(path), path, type: bindingType(node.type) }];
}

/** Derived from the schema, so a new option gets its variable without a second list to keep in step. */
export const ENV_BINDINGS: readonly EnvBinding[] = [
  ...bindingsOf(z.toJSONSchema(agentConfigSchema, { io: 'input' }) as JsonSchemaNode, []),
  ...Object.entries(ALIASES).map(([name, key]) => ({ name, path: [key], type: 'string' as const })),
];

function parseValue(raw: string, type: EnvBinding['type']): unknown {
  if (type === 'number') return Number(raw);
  if (type === 'list') {
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  if (type === 'json') {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      // Left as text: validation then names the variable and says an object was expected.
      return raw;
    }
  }
  if (type === 'boolean') {
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    return raw;
  }
  return raw;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = typeof next === 'object' && next !== null ? next : {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

/** The options set by `env` and, per option path, the variable that set it (for error messages). */
export function readEnv(env: Record<string, string | undefined>): {
  values: Record<string, unknown>;
  names: Map<string, string>;
} {
  const values: Record<string, unknown> = {};
  const names = new Map<string, string>();
  for (const binding of ENV_BINDINGS) {
    const raw = env[binding.name];
    if (raw === undefined || raw === '') continue;
    setPath(values, binding.path, parseValue(raw, binding.type));
    names.set(binding.path.join('.'), binding.name);
  }
  return { values, names };
}

/** The options set by `env`; empty variables count as unset. Values are validated later with the rest. */
export function configFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  return readEnv(env).values;
}
