// The local API key: where it lives, how it is made at first start, and how a presented key is compared.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AgentConfig } from '../../config/index.ts';
import { readSecretFile } from '../../config/index.ts';

/** The key file of an agent: `apiKeyFile`, else `api-key` beside its database. */
export function apiKeyPath(config: Pick<AgentConfig, 'apiKeyFile' | 'db'>): string {
  return resolve(config.apiKeyFile ?? join(dirname(config.db), 'api-key'));
}

export interface ApiKey {
  key: string;
  /** Where it is kept; undefined when it came from VOICESYNC_API_KEY or a flag. */
  path: string | undefined;
  /** Whether this start wrote the file. */
  created: boolean;
}

/** 32 random bytes, URL-safe so it can sit in a header, a shell variable or a form field unchanged. */
export function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The key the API requires: the configured one, else the key file, created with mode 0600 (the key
 * alone on one line) when it does not exist yet. A key file readable by others is refused.
 *
 * @example
 * const { key, path } = loadOrCreateApiKey(config); // path: .voicesync/api-key
 */
export function loadOrCreateApiKey(config: Pick<AgentConfig, 'apiKey' | 'apiKeyFile' | 'db'>): ApiKey {
  if (config.apiKey !== undefined) return { key: config.apiKey, path: undefined, created: false };
  const path = apiKeyPath(config);
  const key = generateApiKey();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    // 'wx': two agents starting on one folder never overwrite each other's key.
    writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
    // The umask may have cleared bits but never adds any; chmod makes 0600 exact either way.
    chmodSync(path, 0o600);
    return { key, path, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { key: readSecretFile(path, 'apiKeyFile'), path, created: false };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares in constant time: hashing first makes both sides the same length, so length leaks nothing either. */
export function keysMatch(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}
