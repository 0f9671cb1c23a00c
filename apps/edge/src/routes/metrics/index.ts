// GET /metrics: the Relay status in Prometheus text format.
import { Hono } from 'hono';
import type { Env } from '../../env.ts';
import { unwrap } from '../../errors/index.ts';
import { relayStub } from '../../relay/stub.ts';
import { prometheusText } from './prometheus.ts';

export const metrics = new Hono<{ Bindings: Env }>();

metrics.get('/', async (c) => {
  const status = unwrap(await relayStub(c.env).status());
  return c.text(prometheusText(status), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
});
