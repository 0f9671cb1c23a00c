// The conflict rule between a write and the content PostgreSQL holds: later updatedAt, then greater hash.

/** The two keys the rule compares. */
export interface Ordered {
  contentHash: string;
  updatedAt: number;
}

/**
 * The conflict rule: the side with the greater `updatedAt` wins; on a tie the greater
 * `contentHash` (plain string comparison of lowercase hex) wins, so equal inputs give the same
 * winner on every device. A side PostgreSQL has no row for never wins against a write.
 */
export function incomingWins(incoming: Ordered, server: Ordered | null): boolean {
  if (!server) return true;
  if (incoming.updatedAt !== server.updatedAt) return incoming.updatedAt > server.updatedAt;
  return incoming.contentHash > server.contentHash;
}
