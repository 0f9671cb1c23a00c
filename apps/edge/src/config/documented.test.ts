// The edge's vars are documented once (docs/configuration.md); this keeps that table and the code's defaults in step.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { relayConfig } from './index.ts';

const read = (path: string) => readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');
const doc = read('docs/configuration.md');
const edgeSection = doc.slice(doc.indexOf('## Edge'));
const rows = [...edgeSection.matchAll(/^\| `([A-Z_]+)` +\| ([^|]+?) +\|/gm)].map(([, name, value]) => ({
  name: name ?? '',
  value: (value ?? '').replaceAll('`', ''),
}));
/** Every var the Worker declares in its Env (bindings in capitals that hold a string). */
const declared = [...read('apps/edge/src/env.ts').matchAll(/^\s+([A-Z_]+)\?: string;/gm)].map(
  ([, name]) => name ?? '',
);

describe('edge settings in docs/configuration.md', () => {
  it('list every var the Worker reads, once', () => {
    expect(declared.length).toBeGreaterThan(10);
    for (const name of declared) expect(rows.filter((row) => row.name === name).length, name).toBe(1);
  });

  it('give the defaults the code applies, for vars the code really reads', () => {
    const numeric = rows.filter((row) => /^\d+$/.test(row.value));
    expect(numeric.length).toBeGreaterThan(10);
    const defaults = relayConfig({});
    for (const { name, value } of numeric) {
      expect(relayConfig({ [name]: value }), `${name} default`).toEqual(defaults);
      expect(relayConfig({ [name]: String(Number(value) + 1) }), `${name} is read`).not.toEqual(defaults);
    }
  });
});
