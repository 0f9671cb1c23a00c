// POST /v1/push: a device's batch of mutations, applied by the Relay in one transaction.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { fastPushRequest, pushAckSchema, pushRequestSchema } from '@voicesync/schema';
import { errorResponses, jsonResponse } from '@voicesync/schema/openapi';
import { relayConfig } from '../../config/index.ts';
import { type Checked, checkMutation, planAssumed } from '../../relay/apply/index.ts';
import { relayStub } from '../../relay/stub.ts';
import { type DeviceRoute, deviceGate, relayAnswer } from '../gate.ts';
import { readBodyText } from '../body.ts';
import { deviceErrors, parseJsonText, route } from '../openapi/index.ts';

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

export const push = new OpenAPIHono<DeviceRoute>();

const definition = createRoute({
  method: 'post',
  path: '/',
  tags: ['sync'],
  summary: 'Apply a device’s batch of mutations in one PostgreSQL transaction (exactly once per mutation id)',
  security: [{ deviceToken: [] }],
  middleware: [
    // The token first: a forged one is refused before the size check, the read or the parse.
    deviceGate,
  ] as const,
  request: { body: { required: true, content: { 'application/json': { schema: pushRequestSchema } } } },
  responses: {
    200: jsonResponse('the acknowledgement, sent after commit: one result per mutation', pushAckSchema),
    ...deviceErrors,
    ...errorResponses({
      400: 'invalid_json, or invalid_batch (with `path`): the batch is malformed',
      409: 'mutation_gap: the first new mutation id is not last_mutation_id + 1 (`expected` says which)',
      413: 'payload_too_large: the body is over 8 MiB',
    }),
  },
});

route(
  push,
  definition,
  async (c, { body: batch }) => {
    const { embeddingDim, maxClockSkewMs } = relayConfig(c.env);
    const clock = { nowMs: Date.now(), maxClockSkewMs };
    const checked = await Promise.all(
      batch.mutations.map((mutation) => checkMutation(mutation, embeddingDim, clock)),
    );
    reportClamped(c.var.credentials.deviceId, checked, clock.nowMs);
    const relay = relayStub(c.env, c.var.credentials.deviceId);
    // Planned here on the state the batch assumes, one string to the Relay and one message to
    // PostgreSQL; the Relay's `push` reads the real state when the assumption does not hold.
    const planned = await planAssumed(checked);
    if (planned) {
      const { argument, counts, plan } = planned;
      const written = await relayAnswer(c, await relay.pushPlanned(c.var.credentials, argument, counts));
      if (written.applied) {
        return c.json({ lastMutationId: plan.lastMutationId, results: plan.results, load: written.load });
      }
    }
    return c.json(await relayAnswer(c, await relay.push(c.var.credentials, checked)));
  },
  {
    body: 'invalid_batch',
    // Read once under the push's own cap, after the token check (no bodyLimit copy of the request).
    readJson: async (c) => parseJsonText(await readBodyText(c.req.raw, MAX_PUSH_BYTES)),
    fastBody: fastPushRequest,
  },
);
