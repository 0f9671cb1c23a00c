// Counts client connections on a harness server, so tests can assert the relay's upstream cap.
import postgres from 'postgres';
import { databaseName } from './types.ts';

/** application_name of the sampler's own connection, excluded from every count. */
const samplerName = 'voicesync-harness-sampler';

/** Port -> live client count, for PGlite servers (their pg_stat_activity shows no clients). */
export const fallbackServers = new Map<number, () => number>();

export interface CountOptions {
  /** Count only connections with this application_name. */
  applicationName?: string;
  /** Database whose clients are counted. Default `voicesync`. */
  database?: string;
}

type Sql = ReturnType<typeof postgres>;

function fallbackCounter(url: string): (() => number) | undefined {
  return fallbackServers.get(Number(new URL(url).port));
}

async function countWith(sql: Sql, options: CountOptions): Promise<number> {
  const app = options.applicationName;
  const rows = await sql<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
    where backend_type = 'client backend'
      and datname = ${options.database ?? databaseName}
      and pid <> pg_backend_pid()
      and application_name <> ${samplerName}
      ${app === undefined ? sql`` : sql`and application_name = ${app}`}`;
  return rows[0]?.n ?? 0;
}

function samplerClient(url: string): Sql {
  return postgres(url, {
    max: 1,
    connect_timeout: 1,
    onnotice: () => {},
    connection: { application_name: samplerName },
  });
}

/**
 * Client backends connected to the `voicesync` database (or `options.database`), excluding the
 * connection this call opens. `adminUrl` may point at any database of the server.
 *
 * @example expect(await countConnections(pg.url, { applicationName: 'relay' })).toBeLessThanOrEqual(3);
 */
export async function countConnections(adminUrl: string, options: CountOptions = {}): Promise<number> {
  const counter = fallbackCounter(adminUrl);
  if (counter) return counter();
  const sql = samplerClient(adminUrl);
  try {
    return await countWith(sql, options);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export interface ConnectionSample {
  /** Highest count seen. */
  max: number;
  /** Successful samples taken. */
  samples: number;
  /** Samples that failed (server down or restarting); these are not counted in `samples`. */
  errors: number;
}

export interface ConnectionSampler {
  /** Stops sampling and returns the summary. */
  stop(): Promise<ConnectionSample>;
}

/**
 * Counts connections every `intervalMs` in the background over one held connection (excluded
 * from the counts), until `stop()`. Failed samples are tallied, not thrown, so a test can keep
 * sampling while it kills the server.
 *
 * @example const sampler = sampleConnections(pg.url, 20); ...; expect((await sampler.stop()).max).toBeLessThanOrEqual(3);
 */
export function sampleConnections(
  url: string,
  intervalMs = 25,
  options: CountOptions = {},
): ConnectionSampler {
  const counter = fallbackCounter(url);
  const sql = counter ? undefined : samplerClient(url);
  const take = sql ? () => countWith(sql, options) : async () => counter?.() ?? 0;
  const result: ConnectionSample = { max: 0, samples: 0, errors: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const count = await take();
        result.max = Math.max(result.max, count);
        result.samples += 1;
      } catch {
        result.errors += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await sql?.end({ timeout: 1 });
      return { ...result };
    },
  };
}
