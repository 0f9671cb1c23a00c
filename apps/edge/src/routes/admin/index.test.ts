import { describe, expect, it, vi } from 'vitest';
import { app } from '../../app.ts';
import type { Env } from '../../env.ts';
import type { RelayApi } from '../../relay/stub.ts';

const ADMIN = { authorization: 'Bearer admin-secret', 'content-type': 'application/json' };

function envWith(relay: Partial<RelayApi>, adminToken = 'admin-secret'): Env {
  return {
    ADMIN_TOKEN: adminToken,
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
    const created = { deviceId: 'dev_0123456789abcdef', tenantId: 'home', name: 'kitchen', token: 'dev_x.y' };
    const createDevice = vi.fn(async () => ({ ok: true as const, value: created }));
    const body = JSON.stringify({ tenantId: 'home', name: 'kitchen' });
    const response = await app.request(
      '/v1/admin/devices',
      { method: 'POST', body, headers: ADMIN },
      envWith({ createDevice } as never),
    );
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual(created);
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
});
