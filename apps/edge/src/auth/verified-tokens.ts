// Tokens whose tag this isolate has already checked: an agent sends the same token on every
// request, and the HMAC (with parsing the token and its claims) was a fixed cost of each one.
import type { DeviceClaims, TokenKeys } from './signed-token.ts';
import type { DeviceCredentials } from './token.ts';

interface Verified {
  credentials: DeviceCredentials;
  claims: DeviceClaims;
}

/**
 * Bounded memory of verified tokens, keyed by the whole `Authorization` header (so only the very
 * bytes that were verified hit) and valid only under the keys they were verified with: a key
 * rotation or removal forgets them all. Expiry is checked on every hit; revocation is the Relay's.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Verified>();
  private keys = '';

  constructor(private readonly maxEntries = 10_000) {}

  /** The credentials of `header`, verified earlier under `keys` and not expired at `nowMs`. */
  get(header: string, keys: TokenKeys | undefined, nowMs: number): DeviceCredentials | undefined {
    if (!keys || this.keys !== keysOf(keys)) return undefined;
    const entry = this.entries.get(header);
    if (!entry) return undefined;
    const { expiresAt } = entry.claims;
    if (expiresAt !== undefined && expiresAt * 1000 <= nowMs) {
      this.entries.delete(header);
      return undefined;
    }
    return entry.credentials;
  }

  set(header: string, keys: TokenKeys, verified: Verified): void {
    const stamp = keysOf(keys);
    if (this.keys !== stamp) {
      this.entries.clear();
      this.keys = stamp;
    }
    // Insertion order makes the first key the oldest: a cheap bound on memory.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value ?? '');
    this.entries.set(header, verified);
  }

  get size(): number {
    return this.entries.size;
  }
}

function keysOf(keys: TokenKeys): string {
  return `${keys.current}\n${keys.previous ?? ''}`;
}
