import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENV_BINDINGS } from './env.ts';
import {
  configReference,
  REFERENCE_END,
  REFERENCE_START,
  UndocumentedOptionError,
  withReference,
} from './reference.ts';
import { agentConfigSchema } from './schema.ts';

/** The table with its alignment padding removed, so assertions read one row as written. */
const compact = () => configReference().replace(/ {2,}/g, ' ');

const doc = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');

describe('generated configuration reference', () => {
  it('in docs/configuration.md is what the schema generates now (else run `npm run docs:config`)', () => {
    expect(doc).toContain(REFERENCE_START);
    expect(withReference(doc), 'docs/configuration.md is stale: run `npm run docs:config`').toBe(doc);
  });

  it('lists every option and every environment variable once', () => {
    const table = compact();
    for (const binding of ENV_BINDINGS) {
      expect(table, binding.name).toContain(`\`${binding.name}\``);
      expect(table.split(`| \`${binding.path.join('.')}\` |`).length - 1, binding.path.join('.')).toBe(1);
    }
  });

  it('shows defaults, ranges and enums from the schema', () => {
    const table = compact();
    expect(table).toContain('| `batchSize` | `VOICESYNC_BATCH_SIZE` | `50` | integer 1–100 |');
    expect(table).toContain('| `synchronous` | `VOICESYNC_SYNCHRONOUS` | `FULL` | `FULL`, `NORMAL` |');
    expect(table).toContain('| `edgeUrl` | `VOICESYNC_EDGE_URL` | none |');
  });

  it('refuses an option without a description', () => {
    const schema = z.object({
      documented: z.number().default(1).describe('yes'),
      bare: z.string().optional(),
    });
    expect(() => configReference(schema)).toThrow(UndocumentedOptionError);
  });

  it("accepts the docs' config file example as written", () => {
    const example = /### Config file format[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    expect(agentConfigSchema.safeParse(JSON.parse(example ?? '')).success).toBe(true);
  });

  it('needs both markers to rewrite', () => {
    expect(() => withReference('no markers here')).toThrow(/markers/);
    expect(withReference(`${REFERENCE_START}\nold\n${REFERENCE_END}`)).toMatch(/^\| `host` +\|/m);
  });
});
