// `npm run docs:config`: rewrites the generated options table in docs/configuration.md from the schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withReference } from './reference.ts';

const docPath = fileURLToPath(new URL('../../../../docs/configuration.md', import.meta.url));
const before = readFileSync(docPath, 'utf8');
const after = withReference(before);
if (after !== before) writeFileSync(docPath, after);
process.stdout.write(`${after === before ? 'unchanged' : 'updated'}: docs/configuration.md\n`);
