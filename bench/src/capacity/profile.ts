// `npm run bench -- edge-profile [push1|push50|pull|handshake|health]`: where the edge's CPU goes,
// from a V8 CPU profile of the Worker's isolate (Worker and Relay share it), self time by function and source file.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEdge, freePort, repoPath, startEdge, startPostgres } from '../../../test/harness/index.ts';
import { provisionDevice } from '../../../test/support/index.ts';
import { upsertMutation } from '../../../test/support/stack.ts';
import { cpuNow, cpuSince } from '../stats/cpu.ts';
import { table } from '../stats/index.ts';
import { type CpuProfile, InspectorSession, type SelfTime, selfTimes } from './inspector.ts';

const REQUESTS = Number(process.env.BENCH_PROFILE_REQUESTS ?? 300);
const ROWS = Number(process.env.BENCH_PROFILE_ROWS ?? 25);

/** Bundle line (1-based) to the source module esbuild wrote above it as a `// path` comment. */
async function sourceMap(configPath: string): Promise<(line: number) => string> {
  const build = await buildEdge(configPath);
  const entry = build.modules[0];
  const lines = entry ? new TextDecoder().decode(entry.contents).split('\n') : [];
  const starts: Array<{ line: number; source: string }> = [];
  lines.forEach((text, index) => {
    const match = /^\/\/ (\S+\.(?:ts|js|mjs|cjs))$/.exec(text);
    if (match?.[1]) starts.push({ line: index + 1, source: match[1].replace(/^(\.\.\/)+/, '') });
  });
  return (line) => {
    let source = '(bundle)';
    for (const start of starts) {
      if (start.line > line) break;
      source = start.source;
    }
    return source;
  };
}

/** Rewrites `name bundle.js:line` rows to name the source module instead of the bundle. */
function bySource(rows: SelfTime[], sourceOf: (line: number) => string): SelfTime[] {
  return rows.map((row) => {
    const match = /^(.*) \S+\.js:(\d+)$/.exec(row.name);
    return match ? { ...row, name: `${match[1]} (${sourceOf(Number(match[2]))})` } : row;
  });
}

function sourceFiles(rows: SelfTime[]): SelfTime[] {
  const files = new Map<string, SelfTime>();
  for (const row of rows) {
    const file = /\(([^()]+)\)$/.exec(row.name)?.[1] ?? row.name.split(' ').slice(1).join(' ');
    const seen = files.get(file) ?? { name: file, ms: 0, share: 0 };
    seen.ms += row.ms;
    seen.share += row.share;
    files.set(file, seen);
  }
  return [...files.values()].sort((a, b) => b.ms - a.ms);
}

/** Coarse owners of the time: a library, our code, or the runtime itself. */
function categoryOf(module: string): string {
  if (module.includes('node_modules/postgres')) return 'postgres.js: PostgreSQL wire, socket reads';
  if (module.includes('node_modules/hono')) return 'hono: routing, context, response';
  if (module.includes('node_modules/zod')) return 'zod';
  if (module.startsWith('apps/edge/src/relay/apply')) return 'edge: validate, plan, write in relay/apply';
  if (module.startsWith('apps/edge/src/auth')) return 'edge: token and device auth';
  if (module.startsWith('apps/edge/src/notify')) return 'edge: notify, the tenant hub RPC';
  if (module.startsWith('apps/edge')) return 'edge: routes, relay, other';
  if (module.startsWith('packages/')) return 'packages: core, schema';
  if (module.includes('garbage collector') || module.includes('collector)')) return 'garbage collector';
  return 'runtime natives: streams, RPC, crypto, Buffer';
}

export async function benchEdgeProfile(which = process.argv[3] ?? 'push50'): Promise<string> {
  const inspectorPort = await freePort();
  process.env.HARNESS_INSPECTOR_PORT = String(inspectorPort);
  const postgres = await startPostgres();
  const adminToken = randomBytes(18).toString('base64url');
  // `BENCH_PROFILE_DIR=<checkout>` profiles another build (e.g. the commit before a change).
  const dir = process.env.BENCH_PROFILE_DIR;
  const configPath = dir ? join(dir, 'wrangler.toml') : repoPath('wrangler.toml');
  const edge = await startEdge({
    vars: { DATABASE_URL: postgres.url, ADMIN_TOKEN: adminToken },
    configPath,
    // As edge-cost: the Worker's own socket, miniflare's entry worker kept off the clock.
    directSocket: true,
  });
  const session = await InspectorSession.connect(inspectorPort);
  try {
    const device = await provisionDevice(edge.url, adminToken, 'profile');
    const headers = { authorization: `Bearer ${device.token}`, 'content-type': 'application/json' };
    let mutationId = 0;
    const size = which === 'push1' ? 1 : 50;
    const body = async () => {
      const mutations = [];
      for (let k = 0; k < size; k++) {
        mutationId += 1;
        mutations.push(await upsertMutation(`profile-${mutationId}`, mutationId, mutationId));
      }
      return JSON.stringify({ mutations });
    };
    const send = async (init: RequestInit & { path: string }) => {
      const response = await fetch(`${edge.directUrl}${init.path}`, { headers, ...init });
      if (response.status !== 200)
        throw new Error(`${init.path} ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    };
    const request = async (text: string | undefined) => {
      if (text !== undefined) return send({ path: '/v1/push', method: 'POST', body: text });
      const path = { pull: '/v1/pull?cursor=0&limit=100', handshake: '/v1/device', health: '/health' }[which];
      return send({ path: path ?? '/health' });
    };
    const pushes = which === 'push1' || which === 'push50';
    const count = which === 'push50' ? Math.ceil(REQUESTS / 10) : REQUESTS;
    // Pulls read a full page: the log holds at least 100 profiles first.
    for (let k = 0; k < (pushes ? 20 : 3); k++)
      await send({ path: '/v1/push', method: 'POST', body: await body() });
    const bodies: Array<string | undefined> = [];
    for (let k = 0; k < count; k++) bodies.push(pushes ? await body() : undefined);
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: 100 });
    await session.send('Profiler.start');
    const before = cpuNow();
    for (const text of bodies) await request(text);
    const cpu = cpuSince(before);
    const { profile } = await session.send<{ profile: CpuProfile }>('Profiler.stop');
    // `BENCH_PROFILE_OUT=<file>.cpuprofile` keeps the whole profile (call tree included) for DevTools.
    if (process.env.BENCH_PROFILE_OUT) writeFileSync(process.env.BENCH_PROFILE_OUT, JSON.stringify(profile));
    const sourceOf = await sourceMap(configPath);
    const { functions, busyMs } = selfTimes(profile);
    const named = bySource(functions, sourceOf);
    const rows = (list: SelfTime[]) =>
      list.slice(0, ROWS).map((row) => [row.name, row.ms / count, `${(row.share * 100).toFixed(1)} %`]);
    return [
      `edge profile${dir ? ` of ${dir}` : ''}: ${which}, ${count} sequential requests, V8 sampling profile of the Worker isolate (100 µs)`,
      `workerd process CPU ${((cpu.workerd * 1000) / count).toFixed(3)} ms/request (profiler on); isolate busy ${(busyMs / count).toFixed(3)} ms/request in JavaScript and the natives it called`,
      '',
      'self time by owner:',
      table(
        ['owner', 'ms / request', 'share of busy'],
        rows(
          sourceFiles(sourceFiles(named).map((file) => ({ ...file, name: `x (${categoryOf(file.name)})` }))),
        ),
      ),
      '',
      'self time by source module:',
      table(['module', 'ms / request', 'share of busy'], rows(sourceFiles(named))),
      '',
      'self time by function:',
      table(['function (module)', 'ms / request', 'share of busy'], rows(named)),
    ].join('\n');
  } finally {
    session.close();
    await edge.destroy();
    await postgres.destroy();
  }
}
