// The Relay Durable Object: sole owner of PostgreSQL connections, called by the Worker's routes over RPC.
import { DurableObject } from 'cloudflare:workers';
import { systemClock, VoicesyncError } from '@voicesync/core';
import { MUTATION_GAP, type Mutation, type PullResponse, type PushAck } from '@voicesync/schema';
import {
  DeviceAuthenticator,
  DeviceCache,
  type DeviceCredentials,
  newDeviceCredentials,
} from '../auth/index.ts';
import { type RelayConfig, relayConfig } from '../config/index.ts';
import type { Env } from '../env.ts';
import { asVoicesyncError, type RelayResult, settle } from '../errors/index.ts';
import { applyBatch, checkMutation } from './apply/index.ts';
import { type DeviceSummary, findDevice, insertDevice, listDevices, revokeDevice } from './devices/index.ts';
import { PushCounters, type RelayStatus } from './metrics/index.ts';
import { PULL_RESET, pullChanges } from './pull/index.ts';
import { type BreakerStatus, persistentBreaker, Upstream } from './upstream/index.ts';

interface Services {
  config: RelayConfig;
  upstream: Upstream;
  auth: DeviceAuthenticator;
}

/** Every RPC method answers a RelayResult instead of throwing: a thrown error would lose its code on the way. */
export class Relay extends DurableObject<Env> {
  private readonly startedAt = Date.now();
  private readonly counters = new PushCounters();
  private services: Services | VoicesyncError = new VoicesyncError('internal', 'the Relay is starting');

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Nothing is served before the breaker's stored state is back.
    void ctx.blockConcurrencyWhile(async () => {
      this.services = await this.start().catch(asVoicesyncError);
    });
  }

  push(credentials: DeviceCredentials, mutations: Mutation[]): Promise<RelayResult<PushAck>> {
    return settle(async () => {
      const { config, upstream, auth } = this.ready();
      const device = await auth.authenticate(credentials);
      // Hashing is CPU work: done before a connection is taken, not while holding one.
      const batch = await Promise.all(
        mutations.map((mutation) => checkMutation(mutation, config.embeddingDim)),
      );
      try {
        const plan = await upstream.transaction((tx) => applyBatch(tx, device, batch));
        this.counters.batch(plan.results);
        return { lastMutationId: plan.lastMutationId, results: plan.results, load: upstream.load() };
      } catch (error) {
        if (error instanceof VoicesyncError && error.code === MUTATION_GAP) this.counters.gap();
        if (error instanceof VoicesyncError && error.code === 'device_revoked') auth.evict(device.deviceId);
        throw error;
      }
    });
  }

  /** `cursor` is null when the Worker could not parse it: the answer is then a reset. */
  pull(
    credentials: DeviceCredentials,
    cursor: number | null,
    limit: number,
  ): Promise<RelayResult<PullResponse>> {
    return settle(async () => {
      const { upstream, auth } = this.ready();
      const device = await auth.authenticate(credentials);
      if (cursor === null) return PULL_RESET;
      return upstream.transaction((tx) => pullChanges(tx, device.tenantId, cursor, limit));
    });
  }

  createDevice(tenantId: string, name: string): Promise<RelayResult<DeviceSummary & { token: string }>> {
    return settle(async () => {
      const { upstream, auth } = this.ready();
      const { deviceId, secretHash, token } = await newDeviceCredentials();
      const device = await upstream.transaction((tx) =>
        insertDevice(tx, { deviceId, tenantId, name, secretHash }),
      );
      auth.evict(deviceId);
      return { ...device, token };
    });
  }

  listDevices(tenantId: string): Promise<RelayResult<{ devices: DeviceSummary[] }>> {
    return settle(async () => {
      const devices = await this.ready().upstream.transaction((tx) => listDevices(tx, tenantId));
      return { devices };
    });
  }

  revokeDevice(deviceId: string): Promise<RelayResult<DeviceSummary>> {
    return settle(async () => {
      const { upstream, auth } = this.ready();
      const device = await upstream.transaction((tx) => revokeDevice(tx, deviceId));
      auth.evict(deviceId);
      return device;
    });
  }

  /** Answers without touching PostgreSQL. */
  health(): Promise<RelayResult<{ ok: boolean; breaker: BreakerStatus }>> {
    return settle(async () => {
      const breaker = this.ready().upstream.breakerStatus();
      return { ok: breaker.state !== 'OPEN', breaker };
    });
  }

  status(): Promise<RelayResult<RelayStatus>> {
    return settle(async () => {
      const { upstream } = this.ready();
      return {
        pool: upstream.poolSnapshot(),
        breaker: upstream.breakerStatus(),
        push: this.counters.snapshot(),
        uptimeMs: Date.now() - this.startedAt,
      };
    });
  }

  private async start(): Promise<Services> {
    const config = relayConfig(this.env);
    const breaker = await persistentBreaker(this.ctx.storage, systemClock, config.breaker);
    const url = this.env.DATABASE_URL?.trim() || this.env.HYPERDRIVE?.connectionString;
    const upstream = new Upstream(url, config.pool, breaker, systemClock);
    const cache = new DeviceCache(systemClock, config.authCacheTtlMs);
    const auth = new DeviceAuthenticator(cache, (id) => upstream.transaction((tx) => findDevice(tx, id)));
    return { config, upstream, auth };
  }

  private ready(): Services {
    if (this.services instanceof VoicesyncError) throw this.services;
    return this.services;
  }
}
