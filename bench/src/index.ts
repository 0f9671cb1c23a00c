// `npm run bench -- [search|search-baseline|http|writes|sync|propagation|forged-flood|preload|fleet|edge-cost|edge-profile|push-sql|capacity|all]`: benchmarks (not tests), peers side by side, one run each.
import { benchForgedFlood } from './forged-flood/index.ts';
import { benchPreload } from './preload/index.ts';
import { benchSearchBaseline } from './search/baseline.ts';
import { benchEdgeCost } from './capacity/costs.ts';
import { benchCapacity } from './capacity/index.ts';
import { benchEdgeProfile } from './capacity/profile.ts';
import { benchPushSql } from './capacity/push-sql.ts';
import { benchFleet } from './fleet/index.ts';
import { benchPropagation } from './propagation/index.ts';
import { benchHttp } from './http/index.ts';
import { benchSync } from './sync/index.ts';
import { benchWrites } from './writes/index.ts';

const which = process.argv[2] ?? 'all';
const suites: Record<string, () => Promise<string | undefined>> = {
  search: async () => {
    await import('./search/index.ts');
    return undefined;
  },
  'search-baseline': benchSearchBaseline,
  http: benchHttp,
  writes: benchWrites,
  sync: benchSync,
  propagation: benchPropagation,
  'forged-flood': benchForgedFlood,
  preload: benchPreload,
  fleet: benchFleet,
  'edge-cost': benchEdgeCost,
  'edge-profile': () => benchEdgeProfile(),
  'push-sql': benchPushSql,
  capacity: () => benchCapacity(),
};

for (const [name, run] of Object.entries(suites)) {
  if (which !== 'all' && which !== name) continue;
  const report = await run();
  if (report) console.log(`${report}\n`);
}
if (which !== 'all' && !(which in suites)) {
  console.error(`unknown benchmark ${which}; use ${Object.keys(suites).join(', ')} or all`);
  process.exit(2);
}
