// Writes a change log straight into PostgreSQL (the compaction suite's 100,000 mutations), with
// profile rows whose content hashes are real, so agents pulling them accept every change.
import { float32ToBytes, profileContentHash } from '@voicesync/core';
import { randomVector, type Sql } from '../support/index.ts';

export const SEED_DEVICE = 'dev_5eed5eed5eed5eed';

/** Sets every speaker's profile to version `round` and appends `rounds` changes per speaker. */
export async function seedRounds(
  sql: Sql,
  tenantId: string,
  speakers: number,
  firstRound: number,
  rounds: number,
): Promise<void> {
  const round = firstRound + rounds - 1;
  const rows = await Promise.all(
    Array.from({ length: speakers }, async (_, i) => {
      const speakerId = `spk-${i}`;
      const embedding = randomVector(round * 100_003 + i);
      const name = `${speakerId} round ${round}`;
      const contentHash = await profileContentHash({
        speakerId,
        name,
        embedding,
        acousticFeatures: null,
        totalSamples: 1,
      });
      return {
        tenant_id: tenantId,
        speaker_id: speakerId,
        name,
        embedding: Buffer.from(float32ToBytes(embedding)),
        total_samples: 1,
        content_hash: contentHash,
        version: round,
        deleted: false,
        updated_at: Date.now(),
        updated_by: SEED_DEVICE,
      };
    }),
  );
  await sql.begin(async (tx) => {
    await tx`insert into profiles ${tx(rows)} on conflict (tenant_id, speaker_id) do update set
      name = excluded.name, embedding = excluded.embedding, content_hash = excluded.content_hash,
      version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by`;
    // One change per speaker per round, in round order, as that many pushes would have left them.
    const first = (firstRound - 1) * speakers + 1;
    const count = rounds * speakers;
    // Numbered from the tenant's change sequence, as the push transaction numbers them.
    await tx`with t as (update tenants set change_seq = change_seq + ${count} where id = ${tenantId}
                        returning change_seq - ${count} as base)
      insert into changes (tenant_id, seq, speaker_id, content_hash, device_id, mutation_id)
      select ${tenantId}, t.base + g - ${first} + 1, p.speaker_id, p.content_hash, ${SEED_DEVICE}, g
      from t,
      generate_series(${first}::bigint, ${round * speakers}::bigint) g
      join profiles p on p.tenant_id = ${tenantId} and p.speaker_id = 'spk-' || ((g - 1) % ${speakers})
      order by g`;
  });
}

export async function changeCount(sql: Sql, tenantId: string): Promise<number> {
  const [row] = await sql<
    { n: number }[]
  >`select count(*)::int as n from changes where tenant_id = ${tenantId}`;
  return row?.n ?? 0;
}
