-- Compaction's tombstone step looked for profiles `deleted and updated_at < cutoff` with a scan
-- of the whole profiles table in every round (no index held them). This partial index holds only
-- tombstones, so a step reads the tombstones it removes. On a large table, build it first without
-- blocking writes (`CREATE INDEX CONCURRENTLY "profiles_tombstones" ON "profiles" ("updated_at")
-- WHERE "deleted"`, outside a transaction); this migration then finds it and does nothing.
CREATE INDEX IF NOT EXISTS "profiles_tombstones" ON "profiles" USING btree ("updated_at") WHERE "profiles"."deleted";
