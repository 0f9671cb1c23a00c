// Merges configuration layers (later wins, nested objects key by key) and validates them with zod.
import { VoicesyncError } from '@voicesync/core';
import type { z } from 'zod';
import { type AgentConfig, agentConfigSchema } from './schema.ts';

/** One source of options and, for error messages, where a given option path came from. */
export interface ConfigLayer {
  values: Record<string, unknown>;
  describe?(path: string): string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) deepMerge(current, value);
    else target[key] = isPlainObject(value) ? structuredClone(value) : value;
  }
}

function isSetIn(values: Record<string, unknown>, path: string[]): boolean {
  let node: unknown = values;
  for (const key of path) {
    if (!isPlainObject(node) || node[key] === undefined) return false;
    node = node[key];
  }
  return true;
}

/** The dotted key an issue is about; an unknown key is named itself, not its parent. */
function issueKey(issue: z.core.$ZodIssue | undefined): string[] {
  if (!issue) return [];
  const path = issue.path.map(String);
  return issue.code === 'unrecognized_keys' && issue.keys[0] ? [...path, issue.keys[0]] : path;
}

/** Validates merged layers; the error names the first bad key and the layer that set it. */
export function resolveConfigLayers(layers: ConfigLayer[]): AgentConfig {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) deepMerge(merged, layer.values);
  const parsed = agentConfigSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issueKey(issue);
  const key = path.join('.') || 'config';
  const layer = [...layers].reverse().find((l) => path.length > 0 && isSetIn(l.values, path));
  const origin = layer?.describe ? ` (from ${layer.describe(key)})` : '';
  throw new VoicesyncError(
    'invalid_config',
    `invalid config key "${key}"${origin}: ${issue?.message ?? 'invalid'}`,
    {
      details: { key },
    },
  );
}

/** Validates merged layers of plain values (defaults < ... < explicit options). */
export function resolveConfig(...layers: Array<Record<string, unknown> | undefined>): AgentConfig {
  return resolveConfigLayers(layers.map((values) => ({ values: values ?? {} })));
}
