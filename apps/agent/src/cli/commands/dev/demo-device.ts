// Provisions (or reuses) the demo tenant's device through the edge's admin API; kept in a 0600 file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface DemoState {
  edgeUrl: string;
  tenantId: string;
  adminToken: string;
  /** The edge's DEVICE_TOKEN_KEY; absent in state from before signed tokens (then generated). */
  deviceTokenKey?: string;
  deviceId?: string;
  token?: string;
}

export function readDemoState(path: string): DemoState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DemoState;
  } catch {
    return undefined;
  }
}

export function writeDemoState(path: string, state: DemoState): void {
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** True when the edge still accepts the saved device token (the database may have been reset). */
async function deviceWorks(edgeUrl: string, token: string): Promise<boolean> {
  const response = await fetch(`${edgeUrl}/v1/pull?cursor=0&limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.ok;
}

type ProvisionedDemo = DemoState & { deviceId: string; token: string };

export async function ensureDemoDevice(state: DemoState): Promise<ProvisionedDemo> {
  if (state.deviceId && state.token && (await deviceWorks(state.edgeUrl, state.token))) {
    return state as ProvisionedDemo;
  }
  const response = await fetch(`${state.edgeUrl}/v1/admin/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${state.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: state.tenantId, name: 'demo agent' }),
  });
  if (!response.ok)
    throw new Error(`could not provision the demo device: ${response.status} ${await response.text()}`);
  const device = (await response.json()) as { deviceId: string; token: string };
  return { ...state, deviceId: device.deviceId, token: device.token };
}
