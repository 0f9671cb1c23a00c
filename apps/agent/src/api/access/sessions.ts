// Browser sessions of the dashboard and one-time login codes, held in memory and looked up by hash.
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'hono';

/** Enough for a few browsers; the oldest session goes first, so the map cannot grow without bound. */
const MAX_SESSIONS = 32;
/** A printed login link is good for one use within this time. */
export const LOGIN_CODE_TTL_MS = 15 * 60_000;

const hash = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * Stores only hashes, and finds an entry by the hash of what was presented: the lookup time then
 * depends on a digest the caller cannot steer, not on how much of a real secret they guessed.
 */
export class Sessions {
  private readonly sessions = new Set<string>();
  private readonly codes = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new one-time login code. */
  issueCode(): string {
    const code = randomBytes(24).toString('base64url');
    this.codes.set(hash(code), this.now() + LOGIN_CODE_TTL_MS);
    return code;
  }

  /** Whether `code` is a live login code; it is spent either way. */
  redeemCode(code: string): boolean {
    const key = hash(code);
    const expiresAt = this.codes.get(key);
    this.codes.delete(key);
    return expiresAt !== undefined && this.now() <= expiresAt;
  }

  /** A new session token for a browser that proved it holds the key or a login code. */
  open(): string {
    const token = randomBytes(32).toString('base64url');
    this.sessions.add(hash(token));
    if (this.sessions.size > MAX_SESSIONS) {
      const oldest = this.sessions.values().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    return token;
  }

  has(token: string): boolean {
    return this.sessions.has(hash(token));
  }
}

/** The session cookie is per port: cookies ignore ports, and two agents on one machine must not evict each other. */
export function sessionCookieName(c: Context): string {
  const port = /:(\d+)$/.exec(c.req.header('host') ?? '')?.[1] ?? 'default';
  return `voicesync_session_${port}`;
}
