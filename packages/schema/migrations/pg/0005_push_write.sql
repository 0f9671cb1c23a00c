-- The push's write as one call (issue 13, cheaper requests): the Relay plans a batch in JS and hands the
-- plan over as one jsonb value. The call locks the device, its tenant and the batch's profiles in the
-- order every push takes them, and writes only if they hold what the plan assumed (the device's
-- last_mutation_id and each speaker's content hash); otherwise it writes nothing and answers
-- applied = false, and the Relay reads the state and plans again. `newest` is the seq of the batch's
-- last change (NULL when it logged none).
CREATE FUNCTION "voicesync_push"("plan" jsonb, OUT "applied" boolean, OUT "newest" bigint)
LANGUAGE plpgsql AS $$
DECLARE
  pushing_device text := plan->>'deviceId';
  pushing_tenant text := plan->>'tenantId';
  change_count integer := jsonb_array_length(plan->'changes');
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
  PERFORM 1 FROM profiles p
    WHERE p.tenant_id = pushing_tenant
      AND p.speaker_id IN (SELECT jsonb_object_keys(plan->'expect'))
    ORDER BY p.speaker_id FOR UPDATE;
  IF EXISTS (
    SELECT 1 FROM jsonb_each_text(plan->'expect') AS e(speaker_id, content_hash)
      LEFT JOIN profiles p ON p.tenant_id = pushing_tenant AND p.speaker_id = e.speaker_id
      WHERE p.content_hash IS DISTINCT FROM e.content_hash
  ) THEN
    RETURN;
  END IF;
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
