// Where this device stands upstream, as the outbox records it in sync_state: its device and last acknowledged id.
import { type InStatement, readState, type Store, writeStateStatement } from '../../store/index.ts';
import { LAST_ACKED } from './statements.ts';

/** The sync_state key of the device the local sync state was built with. */
export const UPSTREAM_DEVICE = 'upstream_device';

export interface LocalPosition {
  /** The device the sync state belongs to; undefined for state written before it was recorded. */
  device: string | undefined;
  lastAcked: number;
}

export async function readLocalPosition(store: Store): Promise<LocalPosition> {
  return {
    device: await readState(store, UPSTREAM_DEVICE),
    lastAcked: Number((await readState(store, LAST_ACKED)) ?? 0),
  };
}

export function recordDeviceStatement(deviceId: string): InStatement {
  return writeStateStatement(UPSTREAM_DEVICE, deviceId);
}
