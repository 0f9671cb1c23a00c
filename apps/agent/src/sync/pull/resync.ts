// After a full resync (the edge reset a cursor behind compaction), local profiles it no longer holds are dropped.
import type { Logger } from '../../logger/index.ts';
import type { ProfileStore } from '../../profiles/index.ts';
import type { Store } from '../../store/index.ts';
import type { Outbox } from '../outbox/index.ts';

/**
 * A cursor behind compaction resets: the deletes this device missed may be gone from the log with
 * their tombstones, so a full pull alone would keep those speakers forever. Once that pull has read
 * the whole log, a live local profile it did not list is one the edge no longer holds: it is dropped
 * (row, cache and index), unless the outbox still has a write of it, which goes up and decides.
 * Returns the speakers dropped.
 */
export function dropUnlisted(
  store: Store,
  profiles: ProfileStore,
  outbox: Pick<Outbox, 'speakerState'>,
  listed: ReadonlySet<string>,
  log: Logger,
): Promise<string[]> {
  return profiles.exclusive(async () => {
    const rs = await store.client.execute('SELECT speaker_id FROM profiles WHERE deleted = 0');
    const dropped: string[] = [];
    for (const row of rs.rows) {
      const speakerId = String(row.speaker_id);
      if (listed.has(speakerId) || (await outbox.speakerState(speakerId)) !== 'clear') continue;
      dropped.push(speakerId);
    }
    if (dropped.length === 0) return dropped;
    await store.client.batch(
      dropped.map((speakerId) => ({ sql: 'DELETE FROM profiles WHERE speaker_id = ?', args: [speakerId] })),
      'write',
    );
    for (const speakerId of dropped) {
      profiles.forget(speakerId);
      profiles.emit({ kind: 'delete', speakerId });
    }
    log.warn({ dropped: dropped.length }, 'resync: dropped local profiles the edge no longer holds');
    return dropped;
  });
}
