// What each side holds, read independently of the agent's code: PostgreSQL rows and the libSQL files.
import { createClient } from '@libsql/client';
import type { Sql } from '../support/index.ts';
import type { FleetAgent } from './fleet.ts';

/** speakerId -> content hash of the live (not deleted) profiles. */
export type Hashes = Map<string, string>;

function sorted(entries: Iterable<[string, string]>): Hashes {
  return new Map([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export async function postgresHashes(sql: Sql, tenantId: string): Promise<Hashes> {
  const rows = await sql<{ speaker_id: string; content_hash: string }[]>`
    select speaker_id, content_hash from profiles where tenant_id = ${tenantId} and not deleted`;
  return sorted(rows.map((row) => [row.speaker_id, row.content_hash]));
}

/** Opens the file with its own client: what is on disk, not what the agent believes. */
export async function libsqlHashes(dbPath: string): Promise<Hashes> {
  const client = createClient({ url: `file:${dbPath}`, intMode: 'number' });
  try {
    const rs = await client.execute('SELECT speaker_id, content_hash FROM profiles WHERE deleted = 0');
    return sorted(rs.rows.map((row) => [String(row.speaker_id), String(row.content_hash)]));
  } finally {
    client.close();
  }
}

/** The agent's own view, while it runs (same connection as the agent). */
export async function agentHashes(member: FleetAgent): Promise<Hashes> {
  const rs = await member.agent.store.client.execute(
    'SELECT speaker_id, content_hash FROM profiles WHERE deleted = 0',
  );
  return sorted(rs.rows.map((row) => [String(row.speaker_id), String(row.content_hash)]));
}

export async function newestChange(sql: Sql, tenantId: string): Promise<number> {
  const [row] = await sql<
    { newest: string | null }[]
  >`select max(seq) as newest from changes where tenant_id = ${tenantId}`;
  return Number(row?.newest ?? 0);
}

/** Outbox empty (nothing pending, nothing dead) and every write acknowledged. */
export async function drained(member: FleetAgent): Promise<boolean> {
  const counts = await member.agent.outbox.counts();
  return counts.pending === 0 && counts.deadLetters === 0;
}

/** Pulls until the agent's cursor has reached the newest change of the tenant. */
export async function caughtUp(member: FleetAgent, newest: number): Promise<boolean> {
  const puller = member.agent.puller;
  if (!puller) return false;
  await puller.pull();
  return (await puller.cursor()) >= newest;
}

/** The identify answer reduced to what must agree across devices (scores to 1e-5). */
export async function identifyAnswer(member: FleetAgent, embedding: number[]): Promise<string> {
  const { status, body } = await member.call<{
    accepted: boolean;
    matches: Array<{ speakerId: string; score: number }>;
  }>('POST', '/v1/identify', { embedding, k: 5 });
  if (status !== 200) throw new Error(`identify answered ${status}`);
  const matches = body.matches.map((m) => `${m.speakerId}:${m.score.toFixed(5)}`);
  return `${body.accepted} ${matches.join(' ')}`;
}
