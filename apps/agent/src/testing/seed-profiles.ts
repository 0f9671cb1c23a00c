// Writes many profiles straight into an agent database, for the 100k-speaker test and the preload benchmark.
import Database from 'libsql';
import { randomEmbeddings } from '../scoring/random-embeddings.ts';
import { openStore } from '../store/index.ts';

export interface SeededProfiles {
  /** `count` raw embeddings of `dim` floats, back to back, in speaker order. */
  readonly embeddings: Float32Array;
  readonly speakerIds: readonly string[];
}

/** Ids sort in row order, so a preload that pages by speaker_id meets them in this order too. */
export const seededSpeakerId = (row: number): string => `spk-${String(row).padStart(8, '0')}`;

/**
 * Creates (migrates) the database at `path` and inserts `count` live profiles with seeded random
 * embeddings, in one transaction. Content hashes are placeholders: these rows never sync.
 */
export async function seedProfiles(
  path: string,
  count: number,
  dim = 192,
  seed = 1,
): Promise<SeededProfiles> {
  (await openStore(path)).close();
  const embeddings = randomEmbeddings(count, dim, seed);
  const db = new Database(path);
  try {
    db.exec('PRAGMA synchronous = OFF');
    const insert = db.prepare(
      `INSERT INTO profiles (speaker_id, name, embedding, acoustic_features, total_samples, content_hash, version, deleted, updated_at)
       VALUES (?, ?, ?, NULL, 1, ?, 1, 0, ?)`,
    );
    const speakerIds: string[] = [];
    db.exec('BEGIN');
    for (let row = 0; row < count; row++) {
      const id = seededSpeakerId(row);
      speakerIds.push(id);
      const bytes = new Uint8Array(embeddings.buffer, row * dim * 4, dim * 4);
      insert.run([id, `Speaker ${row}`, bytes, `seeded-${row}`, 1_700_000_000_000 + row]);
    }
    db.exec('COMMIT');
    // Everything into the main file, so the file can be moved or copied on its own.
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    return { embeddings, speakerIds };
  } finally {
    db.close();
  }
}
