// Which upstream the local sync state belongs to: detect another one, and reset onto a new one.
import { Priority } from '@voicesync/core';
import type { Logger } from '../../logger/index.ts';
import { LAST_ACKED, type LocalPosition, type Outbox, UPSTREAM_DEVICE } from '../outbox/index.ts';
import type { Store } from '../../store/index.ts';
import type { SyncStats } from '../stats.ts';

const PULL_CURSOR = 'pull_cursor';

export interface UpstreamPosition {
  deviceId: string | undefined;
  lastMutationId: number;
}

/**
 * Whether the local sync state belongs to this upstream. An edge never forgets an applied id, so it
 * knowing this device below what it acknowledged here (a fresh database, e.g. `DATABASE_URL` pointed
 * elsewhere), or knowing it under another id (a new device), means another upstream: profiles
 * synced before will never reach it unless pushed again.
 */
export function sameUpstream(local: LocalPosition, upstream: UpstreamPosition): boolean {
  if (upstream.lastMutationId < local.lastAcked) return false;
  return local.device === undefined || upstream.deviceId === undefined || local.device === upstream.deviceId;
}

export function anotherUpstreamMessage(local: LocalPosition, upstream: UpstreamPosition): string {
  return (
    `this database synced with another upstream (device ${local.device ?? 'unknown'} acknowledged up to ` +
    `mutation ${local.lastAcked}; the edge knows device ${upstream.deviceId ?? 'unknown'} up to ` +
    `${upstream.lastMutationId}): profiles synced before will not reach it. ` +
    'Restart with --reset-sync (`voicesync agent start --reset-sync`, or `npm start -- --reset-sync`) ' +
    "to push every profile as this device's first sync"
  );
}

/**
 * Forgets the upstream position (numbering, pull cursor, device) and queues every live profile as
 * an upload with no base hash, in one transaction: the next start learns the new upstream's
 * position and pushes everything as this device's first sync. Profiles and dead letters stay.
 * Returns the number of profiles queued.
 */
export async function resetSync(store: Store): Promise<number> {
  const results = await store.client.batch(
    [
      {
        sql: 'DELETE FROM sync_state WHERE key IN (?, ?, ?)',
        args: [LAST_ACKED, PULL_CURSOR, UPSTREAM_DEVICE],
      },
      // Pending rows keep their (newest) content; their ids and base hashes were the old upstream's.
      `UPDATE outbox SET mutation_id = NULL, base_hash = NULL WHERE status = 'pending'`,
      {
        sql: `INSERT INTO outbox (op, priority, name, embedding, acoustic_features, total_samples, content_hash,
                updated_at, speaker_id, base_hash)
              SELECT 'upsert', ?, name, embedding, acoustic_features, total_samples, content_hash, updated_at,
                speaker_id, NULL
              FROM profiles p WHERE deleted = 0
                AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.speaker_id = p.speaker_id)`,
        args: [Priority.NORMAL],
      },
      `SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'`,
    ],
    'write',
  );
  return Number(results[3]?.rows[0]?.n ?? 0);
}

/**
 * After a handshake: a fresh database learns its position; a database with sync state checks that
 * it belongs to this upstream and, when not, says so once with the fix (uploads go on: pending
 * writes still arrive).
 */
export async function checkUpstream(
  outbox: Pick<Outbox, 'knowsUpstreamPosition' | 'setUpstreamPosition' | 'localPosition' | 'recordDevice'>,
  stats: SyncStats,
  log: Logger,
  upstream: { lastMutationId: number; deviceId?: string },
): Promise<void> {
  if (!(await outbox.knowsUpstreamPosition())) {
    await outbox.setUpstreamPosition(upstream.lastMutationId, upstream.deviceId);
    log.info({ lastMutationId: upstream.lastMutationId }, 'learned the device position upstream');
    return;
  }
  const local = await outbox.localPosition();
  const position = { deviceId: upstream.deviceId, lastMutationId: upstream.lastMutationId };
  if (!sameUpstream(local, position)) {
    stats.anotherUpstream = anotherUpstreamMessage(local, position);
    log.error(stats.anotherUpstream);
  } else if (local.device === undefined && upstream.deviceId !== undefined) {
    await outbox.recordDevice(upstream.deviceId);
  }
}
