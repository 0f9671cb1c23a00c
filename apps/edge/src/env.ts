// Bindings and variables of the edge Worker (see wrangler.toml); every tunable is a string var with a default.
import type { TenantHub } from './notify/index.ts';
import type { Relay } from './relay/index.ts';

export interface Env {
  RELAY: DurableObjectNamespace<Relay>;
  /** One TenantHub per tenant (`idFromName(tenantId)`): the sockets of /v1/notify. */
  HUB: DurableObjectNamespace<TenantHub>;
  HYPERDRIVE?: Hyperdrive;
  /** Plain postgres:// URL; when non-empty it is used instead of HYPERDRIVE. */
  DATABASE_URL?: string;
  /** Bearer token of the admin routes (secret, 32+ random bytes); unset disables them. */
  ADMIN_TOKEN?: string;
  /** The admin token before a rotation, accepted beside ADMIN_TOKEN until it is deleted. */
  ADMIN_TOKEN_PREVIOUS?: string;
  /** HMAC key (secret, 32+ random bytes) that signs device tokens; the Worker checks them with it alone. */
  DEVICE_TOKEN_KEY?: string;
  /** The signing key before a rotation: tokens it signed keep passing until it is deleted. */
  DEVICE_TOKEN_KEY_PREVIOUS?: string;
  /** `accept` lets unsigned tokens from before signing through, during the migration only. */
  LEGACY_DEVICE_TOKENS?: string;
  /** Counts failed authentications per client address and device id (wrangler.toml [[ratelimits]]). */
  AUTH_FAILURES?: RateLimit;
  /** How far ahead of the edge clock a write's updatedAt may be before it is clamped (ms). */
  MAX_CLOCK_SKEW_MS?: string;
  EMBEDDING_DIM?: string;
  /** Global upstream connection budget, split evenly over the shards. */
  PG_MAX?: string;
  /** How many Relay Durable Objects share the work (routed by device id). */
  RELAY_SHARDS?: string;
  /** Where the shards are created: a Durable Object location hint near the database (e.g. `weur`). */
  RELAY_LOCATION_HINT?: string;
  PG_ACQUIRE_TIMEOUT_MS?: string;
  PG_STATEMENT_TIMEOUT_MS?: string;
  PG_IDLE_TIMEOUT_MS?: string;
  PG_CONNECT_TIMEOUT_MS?: string;
  PG_MAX_QUERIES_PER_CONNECTION?: string;
  BREAKER_FAILURE_THRESHOLD?: string;
  BREAKER_SUCCESS_THRESHOLD?: string;
  BREAKER_OPEN_MS?: string;
  BREAKER_HALF_OPEN_TIMEOUT_MS?: string;
  AUTH_CACHE_TTL_MS?: string;
  COMPACTION_INTERVAL_MS?: string;
  COMPACTION_RETENTION_MS?: string;
  COMPACTION_BATCH?: string;
}
