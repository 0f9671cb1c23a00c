// Which Relay shard serves a device: a stable hash of the device id over RELAY_SHARDS objects.
/**
 * The routing key is the device id, read from the token by the stateless Worker (no Durable
 * Object is asked first). It keeps one device's pushes on one single-threaded object, so they
 * reach PostgreSQL in the order sent, and it spreads a large tenant over every shard. Ordering
 * and exactly-once do not depend on the routing: the mutation-id check runs in PostgreSQL under
 * the device row's lock, so a shard-count change between deploys cannot apply a batch twice.
 */
export function shardOf(deviceId: string, count: number): number {
  // FNV-1a (32-bit): cheap, stable across runtimes and deploys, and even over random ids.
  let hash = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    hash ^= deviceId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}

/** Shard 0 keeps the single Relay's old name, so its stored breaker state carries over to one shard. */
export function shardName(index: number): string {
  return index === 0 ? 'relay' : `relay-${index}`;
}
