// POST /v1/push: a device's batch of mutations, applied by the Relay in one transaction.
import { VoicesyncError } from '@voicesync/core';
import { pushRequestSchema } from '@voicesync/schema';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deviceCredentials } from '../../auth/index.ts';
import type { Env } from '../../env.ts';
import { unwrap } from '../../errors/index.ts';
import { checkMutation } from '../../relay/apply/index.ts';
import { relayStub } from '../../relay/stub.ts';
import { relayConfig } from '../../config/index.ts';
import { parseJsonBody } from '../parse.ts';

export const MAX_PUSH_BYTES = 8 * 1024 * 1024;

export const push = new Hono<{ Bindings: Env }>();

push.post(
  '/',
  bodyLimit({
    maxSize: MAX_PUSH_BYTES,
    onError: () => {
      throw new VoicesyncError('payload_too_large', `request body exceeds ${MAX_PUSH_BYTES} bytes`);
    },
  }),
  async (c) => {
    // The token's shape is checked before the body is read; the Relay checks the secret.
    const credentials = deviceCredentials(c.req.header('Authorization'));
    const batch = parseJsonBody(await c.req.text(), pushRequestSchema, 'invalid_batch');
    const { embeddingDim } = relayConfig(c.env);
    const checked = await Promise.all(
      batch.mutations.map((mutation) => checkMutation(mutation, embeddingDim)),
    );
    return c.json(unwrap(await relayStub(c.env, credentials.deviceId).push(credentials, checked)));
  },
);
