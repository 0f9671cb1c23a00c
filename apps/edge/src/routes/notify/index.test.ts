import { describe, expect, it, vi } from 'vitest';
import { app } from '../../app.ts';
import type { Env } from '../../env.ts';
import { DEVICE_TOKEN_KEY, signedTestToken } from '../../../test/device-token.ts';
import { DEVICE_HEADER, TENANT_HEADER } from '../../notify/protocol.ts';
import type { RelayApi } from '../../relay/stub.ts';

const token = await signedTestToken();
const handshake = { 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
const upgrade = { upgrade: 'websocket', authorization: `Bearer ${token}`, ...handshake };

/** A Relay double and a hub namespace that records which tenant it was asked for and what it got. */
function envWith(relay: Partial<RelayApi>) {
  const forwarded: Request[] = [];
  const hubNames: string[] = [];
  const hub = {
    fetch: async (request: Request) => {
      forwarded.push(request);
      return new Response('accepted by the hub');
    },
  };
  const env = {
    DEVICE_TOKEN_KEY,
    RELAY: { idFromName: () => 'relay', get: () => relay },
    HUB: {
      idFromName: (name: string) => {
        hubNames.push(name);
        return name;
      },
      get: () => hub,
    },
  } as unknown as Env;
  return { env, forwarded, hubNames };
}

const authorized = async () => ({
  ok: true as const,
  value: { deviceId: 'dev_0123456789abcdef', tenantId: 'tenant-a' },
});

describe('GET /v1/notify', () => {
  it("forwards the upgrade to the device's tenant hub, without the secret", async () => {
    const { env, forwarded, hubNames } = envWith({ authorize: authorized });
    const response = await app.request('/v1/notify', { headers: upgrade }, env);
    expect(await response.text()).toBe('accepted by the hub');
    expect(hubNames).toEqual(['tenant-a']);
    expect(forwarded[0]?.headers.get(DEVICE_HEADER)).toBe('dev_0123456789abcdef');
    expect(forwarded[0]?.headers.get(TENANT_HEADER)).toBe('tenant-a');
    expect(forwarded[0]?.headers.get('authorization')).toBeNull();
    expect(forwarded[0]?.headers.get('upgrade')).toBe('websocket');
  });

  it('refuses a missing or malformed token with 401 before asking the Relay', async () => {
    const authorize = vi.fn(authorized);
    const { env } = envWith({ authorize });
    expect((await app.request('/v1/notify', { headers: { upgrade: 'websocket' } }, env)).status).toBe(401);
    const malformed = { upgrade: 'websocket', authorization: 'Bearer nope' };
    expect((await app.request('/v1/notify', { headers: malformed }, env)).status).toBe(401);
    expect(authorize).not.toHaveBeenCalled();
  });

  it('answers 426 to a request that is not an upgrade', async () => {
    const { env } = envWith({ authorize: authorized });
    const response = await app.request('/v1/notify', { headers: { authorization: `Bearer ${token}` } }, env);
    expect(response.status).toBe(426);
    expect(await response.json()).toMatchObject({ error: { code: 'upgrade_required' } });
  });

  it('refuses an upgrade without a WebSocket key or version with 400 JSON, before the Relay or a hub', async () => {
    const authorize = vi.fn(authorized);
    const { env, forwarded } = envWith({ authorize });
    for (const headers of [
      { upgrade: 'websocket', authorization: `Bearer ${token}` },
      { ...upgrade, 'sec-websocket-version': '8' },
      { upgrade: 'websocket', authorization: `Bearer ${token}`, 'sec-websocket-version': '13' },
    ]) {
      const response = await app.request('/v1/notify', { headers }, env);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
    }
    expect(authorize).not.toHaveBeenCalled();
    expect(forwarded).toEqual([]);
  });

  it("passes the Relay's refusal on and never reaches a hub", async () => {
    const authorize = async () => ({
      ok: false as const,
      status: 403,
      code: 'device_revoked',
      message: 'this device has been revoked',
    });
    const { env, forwarded } = envWith({ authorize });
    const response = await app.request('/v1/notify', { headers: upgrade }, env);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'device_revoked' } });
    expect(forwarded).toEqual([]);
  });
});
