-- voicesync_push (0005) looked up the batch's speakers with `speaker_id IN (SELECT
-- jsonb_object_keys(...))` and a LEFT JOIN. PL/pgSQL caches the plan of each statement per
-- connection, and a plan made while the tenant was small (or on stale statistics) read every
-- profile of the tenant for each batch speaker: a 50-mutation push into a tenant of 20,000
-- profiles took 50-300 ms in PostgreSQL, growing with the tenant (auto_explain: an index scan on
-- tenant_id alone, 1,000,000 rows removed by the join filter; the same with `= ANY (array)`,
-- which the cached plan applied as a filter). Below, each batch speaker is one lookup by the
-- whole primary key, so a push reads its own speakers' rows whatever the tenant holds.
-- Nothing else changes: the same locks in the same order, the same checks and writes (a
-- mismatch now returns at the first speaker that differs; it wrote nothing either way).
CREATE OR REPLACE FUNCTION "voicesync_push"("plan" jsonb, OUT "applied" boolean, OUT "newest" bigint)
LANGUAGE plpgsql AS $$
DECLARE
  pushing_device text := plan->>'deviceId';
  pushing_tenant text := plan->>'tenantId';
  change_count integer := jsonb_array_length(plan->'changes');
  expected jsonb := plan->'expect';
  speaker text;
  held_hash text;
  held record;
BEGIN
  applied := false;
  SELECT d.last_mutation_id, d.revoked_at IS NOT NULL AS revoked INTO held
    FROM devices d JOIN tenants t ON t.id = d.tenant_id
    WHERE d.id = pushing_device AND t.id = pushing_tenant
    FOR UPDATE OF d FOR NO KEY UPDATE OF t;
  IF NOT FOUND OR held.revoked OR held.last_mutation_id <> (plan->>'last')::bigint THEN
    RETURN;
  END IF;
  -- One primary-key lookup per batch speaker, in speaker order (the order every push locks
  -- them in): locked, and compared with the hash the plan assumed.
  FOR speaker IN SELECT k FROM jsonb_object_keys(expected) AS k ORDER BY k LOOP
    SELECT p.content_hash INTO held_hash FROM profiles p
      WHERE p.tenant_id = pushing_tenant AND p.speaker_id = speaker FOR UPDATE;
    IF NOT FOUND THEN
      held_hash := NULL;
    END IF;
    IF held_hash IS DISTINCT FROM expected->>speaker THEN
      RETURN;
    END IF;
  END LOOP;
  -- Change sequence numbers follow the batch order (position), the order pulls replay them in; they
  -- come from the tenant's own counter, so a cursor reveals nothing about other tenants.
  WITH upserted AS (
    INSERT INTO profiles (tenant_id, speaker_id, name, embedding, acoustic_features, total_samples,
      sample_sum, content_hash, version, deleted, updated_at, updated_by)
    SELECT pushing_tenant, w.speaker_id, w.name, decode(w.embedding_b64, 'base64'), w.acoustic_features,
      w.total_samples, decode(w.sample_sum_b64, 'base64'), w.content_hash, w.version, w.deleted,
      w.updated_at, pushing_device
    FROM jsonb_to_recordset(plan->'writes') AS w(speaker_id text, name text, embedding_b64 text,
      sample_sum_b64 text, acoustic_features jsonb, total_samples integer, content_hash text,
      version integer, deleted boolean, updated_at bigint)
    ON CONFLICT (tenant_id, speaker_id) DO UPDATE SET
      name = excluded.name, embedding = excluded.embedding, acoustic_features = excluded.acoustic_features,
      total_samples = excluded.total_samples, sample_sum = excluded.sample_sum,
      content_hash = excluded.content_hash, version = profiles.version + excluded.version,
      deleted = excluded.deleted, updated_at = excluded.updated_at, updated_by = excluded.updated_by
  ),
  recorded AS (
    INSERT INTO conflicts (tenant_id, speaker_id, device_id, mutation_id, base_hash, server_hash,
      incoming_hash, winner)
    SELECT pushing_tenant, c.speaker_id, pushing_device, c.mutation_id, c.base_hash, c.server_hash,
      c.incoming_hash, c.winner
    FROM jsonb_to_recordset(plan->'conflicts') AS c(speaker_id text, mutation_id bigint,
      base_hash text, server_hash text, incoming_hash text, winner text)
  ),
  numbered AS (
    UPDATE tenants SET change_seq = change_seq + change_count WHERE id = pushing_tenant
    RETURNING change_seq - change_count AS base
  ),
  logged AS (
    INSERT INTO changes (tenant_id, seq, speaker_id, content_hash, device_id, mutation_id)
    SELECT pushing_tenant, numbered.base + l.position + 1, l.speaker_id, l.content_hash, pushing_device,
      l.mutation_id
    FROM numbered, jsonb_to_recordset(plan->'changes')
      AS l(position integer, speaker_id text, content_hash text, mutation_id bigint)
    ORDER BY l.position
    RETURNING seq
  ),
  advanced AS (
    UPDATE devices SET last_mutation_id = (plan->>'lastMutationId')::bigint WHERE id = pushing_device
  )
  SELECT max(seq) INTO newest FROM logged;
  applied := true;
END
$$;
