// Device rows: the lookup behind authentication, and the admin operations (create, list, rotate, revoke).
import { VoicesyncError } from '@voicesync/core';
import type { DeviceRecord } from '../../auth/index.ts';
import { textLiteral, type Tx, type Upstream } from '../upstream/index.ts';

export interface DeviceSummary {
  deviceId: string;
  tenantId: string;
  name: string;
  lastMutationId: number;
  createdAt: string;
  revokedAt: string | null;
}

interface DeviceRow {
  id: string;
  tenant_id: string;
  name: string;
  last_mutation_id: string;
  created_at: Date;
  revoked_at: Date | null;
}

function summary(row: DeviceRow): DeviceSummary {
  return {
    deviceId: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    lastMutationId: Number(row.last_mutation_id),
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

export async function findDevice(tx: Tx, deviceId: string): Promise<DeviceRecord | null> {
  const [row] = await tx<
    {
      tenant_id: string;
      secret_hash: string;
      revoked: boolean;
      previous_secret_hash: string | null;
      previous_secret_until: Date | null;
    }[]
  >`
    select tenant_id, secret_hash, revoked_at is not null as revoked, previous_secret_hash,
      previous_secret_until
    from devices where id = ${deviceId}`;
  if (!row) return null;
  const record: DeviceRecord = {
    deviceId,
    tenantId: row.tenant_id,
    secretHash: row.secret_hash,
    revoked: row.revoked,
  };
  if (row.previous_secret_hash && row.previous_secret_until) {
    record.previousSecretHash = row.previous_secret_hash;
    record.previousSecretUntil = row.previous_secret_until.getTime();
  }
  return record;
}

/**
 * Replaces the device's secret; the one it replaces keeps working for `graceMs` (0: stops at
 * once), so a device can pick up its new token without a gap. A revoked device stays revoked.
 */
export async function rotateDeviceSecret(
  tx: Tx,
  deviceId: string,
  secretHash: string,
  graceMs: number,
): Promise<DeviceSummary> {
  const [row] = await tx<DeviceRow[]>`
    update devices set previous_secret_hash = secret_hash,
      previous_secret_until = now() + make_interval(secs => ${graceMs / 1000}), secret_hash = ${secretHash}
    where id = ${deviceId}
    returning id, tenant_id, name, last_mutation_id, created_at, revoked_at`;
  if (!row) throw new VoicesyncError('not_found', `no device ${deviceId}`);
  return summary(row);
}

/** Creates the tenant when it is new, then the device; only the secret's hash is stored. */
export async function insertDevice(
  tx: Tx,
  device: { deviceId: string; tenantId: string; name: string; secretHash: string },
): Promise<DeviceSummary> {
  await tx`insert into tenants (id) values (${device.tenantId}) on conflict (id) do nothing`;
  const [row] = await tx<DeviceRow[]>`
    insert into devices (id, tenant_id, name, secret_hash)
    values (${device.deviceId}, ${device.tenantId}, ${device.name}, ${device.secretHash})
    returning id, tenant_id, name, last_mutation_id, created_at, revoked_at`;
  return summary(row!);
}

export async function listDevices(tx: Tx, tenantId: string): Promise<DeviceSummary[]> {
  const rows = await tx<DeviceRow[]>`
    select id, tenant_id, name, last_mutation_id, created_at, revoked_at
    from devices where tenant_id = ${tenantId} order by created_at, id`;
  return rows.map(summary);
}

/** Idempotent: revoking twice keeps the first revocation time. */
export async function revokeDevice(tx: Tx, deviceId: string): Promise<DeviceSummary> {
  const [row] = await tx<DeviceRow[]>`
    update devices set revoked_at = coalesce(revoked_at, now()) where id = ${deviceId}
    returning id, tenant_id, name, last_mutation_id, created_at, revoked_at`;
  if (!row) throw new VoicesyncError('not_found', `no device ${deviceId}`);
  return summary(row);
}

/**
 * The device's own view, where its mutation numbering stands upstream (the agent's handshake):
 * its row read in one message (the statement timeout and the read, see `Upstream.oneMessage`).
 */
export async function deviceState(
  upstream: Upstream,
  deviceId: string,
): Promise<{ deviceId: string; tenantId: string; lastMutationId: number }> {
  const [row] = await upstream.oneMessage<{ tenant_id: string; last_mutation_id: string }>(
    `select tenant_id, last_mutation_id from devices where id = ${textLiteral(deviceId)}`,
  );
  if (!row) throw new VoicesyncError('unauthorized', 'unknown device or wrong secret');
  return { deviceId, tenantId: row.tenant_id, lastMutationId: Number(row.last_mutation_id) };
}
