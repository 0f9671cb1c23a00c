import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Priority } from '@voicesync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Authenticator, Cohort } from '../auth/index.ts';
import { resolveConfig } from '../config/index.ts';
import { ProfileStore } from '../profiles/index.ts';
import { createScoringBackend, EmbeddingIndex } from '../scoring/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { seedProfiles } from '../testing/seed-profiles.ts';
import { PRELOAD_PAGE, preloadIndex } from './index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function authOver(store: Store): Promise<Authenticator> {
  const index = new EmbeddingIndex({ backend: await createScoringBackend('wasm-simd') });
  return new Authenticator(index, new Cohort(store, 192), resolveConfig({ db: store.path }));
}

describe('preloadIndex', () => {
  it('loads every live profile across pages, skips tombstones, and reports after each page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicesync-preload-'));
    dirs.push(dir);
    const path = join(dir, 'agent.db');
    const seeded = await seedProfiles(path, PRELOAD_PAGE + 3);
    const store = await openStore(path);
    try {
      await new ProfileStore(store).remove(seeded.speakerIds[5]!, Priority.NORMAL);
      const auth = await authOver(store);
      const progress: Array<[number, number]> = [];
      const { loaded } = await preloadIndex(store, auth, (done, total) => progress.push([done, total]));
      expect(loaded).toBe(PRELOAD_PAGE + 2);
      expect(progress).toEqual([
        [PRELOAD_PAGE, PRELOAD_PAGE + 2],
        [PRELOAD_PAGE + 2, PRELOAD_PAGE + 2],
      ]);
      expect(auth.index.size).toBe(PRELOAD_PAGE + 2);
      expect(auth.index.has(seeded.speakerIds[5]!)).toBe(false);
      const last = seeded.speakerIds.length - 1;
      const probe = seeded.embeddings.subarray(last * 192, (last + 1) * 192);
      expect(auth.identify(probe, 1).matches[0]).toMatchObject({
        speakerId: seeded.speakerIds[last],
        name: `Speaker ${last}`,
      });
    } finally {
      store.close();
    }
  });
});
