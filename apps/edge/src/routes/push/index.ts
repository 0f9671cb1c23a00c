// POST /v1/push: a device's batch of mutations, applied by the Relay in one transaction.
import { fastPushRequest, pushRequestSchema } from '@voicesync/schema';
import { Hono } from 'hono';
import { relayConfig } from '../../config/index.ts';
import { type Checked, checkMutation } from '../../relay/apply/index.ts';
import { relayStub } from '../../relay/stub.ts';
import { type DeviceRoute, deviceGate, relayAnswer } from '../gate.ts';
import { parseJsonBody, readBodyText } from '../parse.ts';

export const MAX_PUSH_BYTES = 8 * 1024 * 1024;

/** The record of a clamped clock: one log line per batch (ids and times only, never content). */
function reportClamped(deviceId: string, checked: Checked[], nowMs: number): void {
  const clamped = checked.flatMap((item) => (item.content?.clampedFrom === undefined ? [] : [item]));
  const furthest = Math.max(...clamped.map((item) => item.content?.clampedFrom ?? 0));
  if (clamped.length === 0) return;
  console.warn(
    `clock skew: device ${deviceId} sent ${clamped.length} updatedAt up to ${furthest - nowMs} ms ahead of the edge clock (mutations ${clamped.map((item) => item.mutation.mutationId).join(',')}); clamped to the edge clock`,
  );
}

export const push = new Hono<DeviceRoute>();

push.post(
  '/',
  // The token first: a forged one is refused before the size check, the read or the parse.
  deviceGate,
  async (c) => {
    const body = await readBodyText(c.req.raw, MAX_PUSH_BYTES);
    const batch = parseJsonBody(body, pushRequestSchema, 'invalid_batch', fastPushRequest);
    const { embeddingDim, maxClockSkewMs } = relayConfig(c.env);
    const clock = { nowMs: Date.now(), maxClockSkewMs };
    const checked = await Promise.all(
      batch.mutations.map((mutation) => checkMutation(mutation, embeddingDim, clock)),
    );
    reportClamped(c.var.credentials.deviceId, checked, clock.nowMs);
    return c.json(
      await relayAnswer(
        c,
        await relayStub(c.env, c.var.credentials.deviceId).push(c.var.credentials, checked),
      ),
    );
  },
);
