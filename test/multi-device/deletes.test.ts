// Issue 5, deletes: a delete travels as a tombstone and removes the speaker from every device's index.
import { tombstoneHash } from '@voicesync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, randomVector } from '../support/index.ts';
import { type Backend, type FleetAgent, startBackend, startFleetAgent } from './fleet.ts';

describe('deletes propagate as tombstones', () => {
  let backend: Backend;
  let fleet: FleetAgent[];

  const knows = async (member: FleetAgent, speakerId: string, seed: number) => {
    const verify = await member.call<{ accepted?: boolean }>('POST', '/v1/verify', {
      speakerId,
      embedding: randomVector(seed),
    });
    return verify.status === 200 && verify.body.accepted === true;
  };

  /** Gone everywhere it can be seen: verify 404, identify, GET, the index, and a tombstone row. */
  const forgotten = async (member: FleetAgent, speakerId: string, seed: number) => {
    const verify = await member.call('POST', '/v1/verify', { speakerId, embedding: randomVector(seed) });
    const identify = await member.call<{ matches: Array<{ speakerId: string }> }>('POST', '/v1/identify', {
      embedding: randomVector(seed),
      k: 32,
    });
    const row = await member.agent.store.client.execute({
      sql: 'SELECT deleted, content_hash FROM profiles WHERE speaker_id = ?',
      args: [speakerId],
    });
    return (
      verify.status === 404 &&
      !identify.body.matches.some((m) => m.speakerId === speakerId) &&
      (await member.call('GET', `/v1/profiles/${speakerId}`)).status === 404 &&
      Number(row.rows[0]?.deleted) === 1 &&
      row.rows[0]?.content_hash === (await tombstoneHash(speakerId))
    );
  };

  const enrol = async (member: FleetAgent, speakerId: string, seed: number) => {
    const put = await member.call('PUT', `/v1/profiles/${speakerId}`, {
      name: speakerId,
      embedding: randomVector(seed),
      priority: 'HIGH',
    });
    expect(put.status).toBe(200);
    for (const other of fleet) await eventually(() => knows(other, speakerId, seed), 10_000, 20);
  };

  const remove = async (member: FleetAgent, speakerId: string) => {
    expect((await member.call('DELETE', `/v1/profiles/${speakerId}?priority=HIGH`)).status).toBe(200);
  };

  beforeAll(async () => {
    backend = await startBackend();
    const devices = await Promise.all([0, 1, 2].map(() => backend.provision('del')));
    fleet = await Promise.all(devices.map((device, i) => startFleetAgent(backend, `d${i}`, device)));
  });

  afterAll(async () => {
    await Promise.all((fleet ?? []).map((member) => member.close()));
    await backend?.destroy();
  });

  it('removes a speaker deleted on one device from every device and records the tombstone upstream', async () => {
    const [a] = fleet as [FleetAgent];
    await enrol(a, 'dave', 1);
    const sizes = fleet.map((member) => member.agent.auth.index.size);
    await remove(a, 'dave');
    for (const member of fleet) await eventually(() => forgotten(member, 'dave', 1), 10_000, 20);
    expect(fleet.map((member) => member.agent.auth.index.size)).toEqual(sizes.map((n) => n - 1));
    const [row] =
      await backend.sql`select deleted, content_hash, length(embedding) as bytes from profiles where tenant_id = 'del' and speaker_id = 'dave'`;
    expect(row).toEqual({ deleted: true, content_hash: await tombstoneHash('dave'), bytes: 0 });
  });

  it('lets any device delete a speaker another device enrolled', async () => {
    const [a, b] = fleet as [FleetAgent, FleetAgent];
    await enrol(a, 'erin', 2);
    await remove(b, 'erin');
    for (const member of fleet) await eventually(() => forgotten(member, 'erin', 2), 10_000, 20);
  });

  it('reaches a device that was offline during the delete once it is back', async () => {
    const [a, , c] = fleet as [FleetAgent, FleetAgent, FleetAgent];
    await enrol(a, 'frank', 3);
    c.link.cut();
    await remove(a, 'frank');
    await eventually(() => forgotten(fleet[1]!, 'frank', 3), 10_000, 20);
    expect(await knows(c, 'frank', 3)).toBe(true);
    c.link.heal();
    await eventually(() => forgotten(c, 'frank', 3), 15_000, 20);
  });

  it('a speaker enrolled again after its delete comes back everywhere', async () => {
    const [a, b] = fleet as [FleetAgent, FleetAgent];
    await enrol(a, 'dave', 4);
    expect(await knows(b, 'dave', 1)).toBe(false);
  });
});
