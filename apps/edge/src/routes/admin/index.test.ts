import { describe, expect, it, vi } from 'vitest';
import { app } from '../../app.ts';
import type { Env } from '../../env.ts';
import type { RelayApi } from '../../relay/stub.ts';
import { DEVICE_TOKEN_KEY } from '../../../test/device-token.ts';

const ADMIN = { authorization: 'Bearer admin-secret', 'content-type': 'application/json' };

function envWith(relay: Partial<RelayApi>, adminToken = 'admin-secret'): Env {
  return {
    ADMIN_TOKEN: adminToken,
    DEVICE_TOKEN_KEY,
    RELAY: { idFromName: () => 'relay', get: () => relay },
  } as unknown as Env;
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe('/v1/admin', () => {
  it('is disabled without ADMIN_TOKEN', async () => {
    const response = await app.request('/v1/admin/devices?tenantId=t', { headers: ADMIN }, envWith({}, ''));
    expect(response.status).toBe(503);
    expect(await errorCode(response)).toBe('admin_disabled');
  });

  it('refuses a wrong admin token', async () => {
    const response = await app.request(
      '/v1/admin/devices?tenantId=t',
      { headers: { authorization: 'Bearer nope' } },
      envWith({}),
    );
    expect(response.status).toBe(401);
  });

  it('creates a device and shows its token once', async () => {
    const secret = 's'.repeat(43);
    const created = {
      deviceId: 'dev_0123456789abcdef',
      tenantId: 'home',
      name: 'kitchen',
      token: `dev_0123456789abcdef.${secret}`,
    };
    const createDevice = vi.fn(async () => ({ ok: true as const, value: created }));
    const body = JSON.stringify({ tenantId: 'home', name: 'kitchen' });
    const response = await app.request(
      '/v1/admin/devices',
      { method: 'POST', body, headers: ADMIN },
      envWith({ createDevice } as never),
    );
    expect(response.status).toBe(201);
    // The Relay's `<id>.<secret>` leaves signed: `<id>.<secret>.<claims>.<tag>`.
    const answer = (await response.json()) as typeof created;
    expect(answer).toEqual({
      ...created,
      token: expect.stringMatching(/^dev_0123456789abcdef\.s{43}\.[\w-]+\.[\w-]{43}$/),
    });
    expect(createDevice).toHaveBeenCalledWith('home', 'kitchen');
  });

  it('refuses a bad tenant id', async () => {
    const body = JSON.stringify({ tenantId: '../etc' });
    const response = await app.request(
      '/v1/admin/devices',
      { method: 'POST', body, headers: ADMIN },
      envWith({}),
    );
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('invalid_request');
  });

  it('refuses a device name PostgreSQL could not store as sent, before the Relay', async () => {
    const createDevice = vi.fn();
    for (const name of ['a\u0000b', 'a\ud800b']) {
      const response = await app.request(
        '/v1/admin/devices',
        { method: 'POST', body: JSON.stringify({ tenantId: 'home', name }), headers: ADMIN },
        envWith({ createDevice } as never),
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_request', path: 'name' } });
    }
    expect(createDevice).not.toHaveBeenCalled();
  });

  it('lists the devices of a tenant', async () => {
    const listDevices = vi.fn(async () => ({ ok: true as const, value: { devices: [] } }));
    const response = await app.request(
      '/v1/admin/devices?tenantId=home',
      { headers: ADMIN },
      envWith({ listDevices }),
    );
    expect(await response.json()).toEqual({ devices: [] });
    expect(listDevices).toHaveBeenCalledWith('home');
    const missing = await app.request('/v1/admin/devices', { headers: ADMIN }, envWith({ listDevices }));
    expect(missing.status).toBe(400);
  });

  it('revokes by device id and answers 404 for anything that is not one', async () => {
    const revokeDevice = vi.fn(async () => ({
      ok: true as const,
      value: { deviceId: 'dev_0123456789abcdef' },
    }));
    const env = envWith({ revokeDevice } as never);
    const ok = await app.request(
      '/v1/admin/devices/dev_0123456789abcdef/revoke',
      { method: 'POST', headers: ADMIN },
      env,
    );
    expect(ok.status).toBe(200);
    const bad = await app.request('/v1/admin/devices/nope/revoke', { method: 'POST', headers: ADMIN }, env);
    expect(bad.status).toBe(404);
    expect(revokeDevice).toHaveBeenCalledTimes(1);
  });

  it('rotates a device: a new signed token, the old secret valid for the grace period asked for', async () => {
    const rotated = {
      deviceId: 'dev_0123456789abcdef',
      tenantId: 'home',
      token: `dev_0123456789abcdef.${'n'.repeat(43)}`,
    };
    const rotateDevice = vi.fn(async () => ({ ok: true as const, value: rotated }));
    const response = await app.request(
      '/v1/admin/devices/dev_0123456789abcdef/rotate',
      { method: 'POST', body: JSON.stringify({ graceSeconds: 0, expiresInSeconds: 3600 }), headers: ADMIN },
      envWith({ rotateDevice } as never),
    );
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      token: string;
      expiresAt: string;
      previousTokenValidUntil: string;
    };
    expect(answer.token).toMatch(/^dev_0123456789abcdef\.n{43}\.[\w-]+\.[\w-]{43}$/);
    expect(Date.parse(answer.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    expect(rotateDevice).toHaveBeenCalledWith('dev_0123456789abcdef', 0);
    const defaults = await app.request(
      '/v1/admin/devices/dev_0123456789abcdef/rotate',
      { method: 'POST', headers: ADMIN },
      envWith({ rotateDevice } as never),
    );
    expect(defaults.status).toBe(200);
    expect(rotateDevice).toHaveBeenLastCalledWith('dev_0123456789abcdef', 3_600_000);
  });

  it('refuses a weak ADMIN_TOKEN off loopback (production) with 503, and accepts a 32-byte one', async () => {
    const listDevices = vi.fn(async () => ({ ok: true as const, value: { devices: [] } }));
    const weak = await app.request(
      'https://edge.example.com/v1/admin/devices?tenantId=t',
      { headers: ADMIN },
      envWith({ listDevices }),
    );
    expect(weak.status).toBe(503);
    expect(await errorCode(weak)).toBe('admin_token_weak');
    expect(listDevices).not.toHaveBeenCalled();
    const strong = 'Yq3v9Jx0M2pLw7Rz5TbK8nCd1FhGs4Ae6UoIyVlQxZs';
    const ok = await app.request(
      'https://edge.example.com/v1/admin/devices?tenantId=t',
      { headers: { authorization: `Bearer ${strong}` } },
      envWith({ listDevices }, strong),
    );
    expect(ok.status).toBe(200);
  });
});
