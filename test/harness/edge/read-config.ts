// Child-process entry: reads a wrangler config exactly as `wrangler dev` does and writes the
// resulting miniflare worker options as JSON to argv[3]. It runs in a child because importing
// wrangler costs about 3 s, which only a build-cache miss should pay.
import { writeFileSync } from 'node:fs';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';

const [configPath, outPath] = process.argv.slice(2);
if (configPath === undefined || outPath === undefined) {
  throw new Error('usage: read-config.ts <wrangler config> <output json>');
}
const config = unstable_readConfig({ config: configPath });
const { workerOptions, main } = unstable_getMiniflareWorkerOptions(config);
// Only the config's [vars]: wrangler would merge a developer's .dev.vars/.env, and tests must
// not depend on (or leak) whatever secrets happen to sit in the checkout.
const hermetic = { ...workerOptions, bindings: config.vars };
writeFileSync(outPath, JSON.stringify({ name: config.name, main, workerOptions: hermetic }));
