// The Relay Durable Object: sole owner of PostgreSQL connections, called by the Worker's routes over RPC.
import { DurableObject } from 'cloudflare:workers';
import { systemClock, VoicesyncError } from '@voicesync/core';
import { MUTATION_GAP, type PullResponse, type PushAck } from '@voicesync/schema';
import { withVerifiedTls } from '@voicesync/schema/pg/tls';
import {
  DeviceAuthenticator,
  DeviceCache,
  type DeviceCredentials,
  newDeviceCredentials,
} from '../auth/index.ts';
import { type RelayConfig, relayConfig } from '../config/index.ts';
import type { Env } from '../env.ts';
import { asVoicesyncError, type RelayResult, settle } from '../errors/index.ts';
import { announceChange, disconnectDevice, TenantHubs } from '../notify/index.ts';
import { compactionStep } from './compaction/index.ts';
import { applyBatch, type Checked, type PushingDevice, writePlanned } from './apply/index.ts';
import {
  type DeviceSummary,
  deviceState,
  findDevice,
  insertDevice,
  listDevices,
  revokeDevice,
  rotateDeviceSecret,
} from './devices/index.ts';
import { type MutationStatus, PushCounters, type RelayStatus } from './metrics/index.ts';
import { PULL_RESET, pullChanges } from './pull/index.ts';
import { shardName } from './shards/index.ts';
import { allRelays } from './stub.ts';
import { type BreakerStatus, persistentBreaker, Upstream } from './upstream/index.ts';

const COMPACTION_KEY = 'compaction-after';
/** Pause between the steps of one round, so request traffic gets the connection in between. */
const COMPACTION_STEP_GAP_MS = 50;

interface Services {
  config: RelayConfig;
  upstream: Upstream;
  auth: DeviceAuthenticator;
}

/** Every RPC method answers a RelayResult instead of throwing: a thrown error would lose its code on the way. */
export class Relay extends DurableObject<Env> {
  private readonly startedAt = Date.now();
  private readonly counters = new PushCounters();
  private readonly hubs = new TenantHubs(this.env);
  private services: Services | VoicesyncError = new VoicesyncError('internal', 'the Relay is starting');
  /** Set while a sibling's trip opens this breaker, so the news is not broadcast back. */
  private trippedBySibling = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Nothing is served before the breaker's stored state is back.
    void ctx.blockConcurrencyWhile(async () => {
      this.services = await this.start().catch(asVoicesyncError);
    });
  }

  /**
   * A batch the Worker planned on its assumed state (`planAssumed`): written in one message if
   * PostgreSQL holds what was assumed. `applied` false: nothing was written, and the Worker sends
   * the batch to `push`, which reads the real state.
   */
  pushPlanned(
    credentials: DeviceCredentials,
    argument: string,
    counts: Record<MutationStatus, number>,
  ): Promise<RelayResult<{ applied: boolean; load: number }>> {
    return settle(async () => {
      const { upstream, auth } = this.ready();
      const device = await auth.authenticate(credentials);
      const written = await writePlanned(upstream, device, argument);
      if (written.applied) {
        this.counters.counted(counts);
        // No conflict in a batch that holds to its assumption: the pusher has everything it wrote.
        if (written.newestChange !== null) this.announce(device, written.newestChange, false);
      }
      return { applied: written.applied, load: upstream.load() };
    });
  }

  /** `batch` was decoded and hash-checked by the Worker (`checkMutation`), in the order it was sent. */
  push(credentials: DeviceCredentials, batch: Checked[]): Promise<RelayResult<PushAck>> {
    return settle(async () => {
      const { upstream, auth, config } = this.ready();
      const device = await auth.authenticate(credentials);
      try {
        const plan = await upstream.transaction((tx) =>
          applyBatch(tx, device, batch, Date.now() + config.maxClockSkewMs),
        );
        this.counters.batch(plan.results);
        if (plan.newestChange !== null) {
          const serverWon = plan.conflicts.some((conflict) => conflict.winner === 'server');
          this.announce(device, plan.newestChange, serverWon);
        }
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
      return pullChanges(
        (statement) => upstream.oneMessage(statement),
        device.tenantId,
        device.deviceId,
        cursor,
        limit,
      );
    });
  }

  /** Who holds these credentials, from the auth cache when it can: /v1/notify needs the tenant only. */
  authorize(credentials: DeviceCredentials): Promise<RelayResult<{ deviceId: string; tenantId: string }>> {
    return settle(async () => {
      const { deviceId, tenantId } = await this.ready().auth.authenticate(credentials);
      return { deviceId, tenantId };
    });
  }

  /** A device of `tenantId` opened its first notify socket (`TenantHub.fetch`): announce to the tenant again. */
  listening(tenantId: string): void {
    this.hubs.listening(tenantId);
  }

  /** Read fresh, not from the auth cache: an agent numbers its mutations after this id. */
  device(
    credentials: DeviceCredentials,
  ): Promise<RelayResult<{ deviceId: string; tenantId: string; lastMutationId: number }>> {
    return settle(async () => {
      const { upstream, auth } = this.ready();
      const device = await auth.authenticate(credentials);
      return deviceState(upstream, device.deviceId);
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

  /** A new secret for the device; the old one works for `graceMs` more. The token is unsigned. */
  rotateDevice(deviceId: string, graceMs: number): Promise<RelayResult<DeviceSummary & { token: string }>> {
    return settle(async () => {
      const { upstream, auth } = this.ready();
      const { secretHash, secret } = await newDeviceCredentials();
      const device = await upstream.transaction((tx) =>
        rotateDeviceSecret(tx, deviceId, secretHash, graceMs),
      );
      auth.evict(deviceId);
      await Promise.all(allRelays(this.env).map((relay) => relay.evictDevice(deviceId)));
      return { ...device, token: `${deviceId}.${secret}` };
    });
  }

  /**
   * Answers only once every shard has forgotten the device: a shard-count change may have left
   * its record in another shard's auth cache, which would otherwise serve it until the TTL.
   */
  revokeDevice(deviceId: string): Promise<RelayResult<DeviceSummary>> {
    return settle(async () => {
      const { upstream, auth } = this.ready();
      const device = await upstream.transaction((tx) => revokeDevice(tx, deviceId));
      auth.evict(deviceId);
      await Promise.all(allRelays(this.env).map((relay) => relay.evictDevice(deviceId)));
      this.ctx.waitUntil(disconnectDevice(this.hubs, device.tenantId, deviceId));
      return device;
    });
  }

  /** A sibling revoked (or rotated) the device: the next request re-reads it from PostgreSQL. */
  evictDevice(deviceId: string): Promise<RelayResult<null>> {
    return settle(async () => {
      this.ready().auth.evict(deviceId);
      return null;
    });
  }

  /** A sibling's breaker opened on its own failures: PostgreSQL is down for this shard too. */
  tripBreaker(): Promise<RelayResult<BreakerStatus>> {
    return settle(async () => {
      const { upstream } = this.ready();
      this.trippedBySibling = true;
      try {
        upstream.breaker.trip();
      } finally {
        this.trippedBySibling = false;
      }
      return upstream.breakerStatus();
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

  /**
   * Compaction runs on shard 0 only (one round at a time for the whole log), one bounded step per
   * alarm: the next step follows at once while a round has more, the next round after the interval.
   */
  override async alarm(): Promise<void> {
    if (this.services instanceof VoicesyncError) return;
    const { upstream, config } = this.services;
    const after = (await this.ctx.storage.get<number>(COMPACTION_KEY)) ?? 0;
    let next = config.compaction.intervalMs;
    try {
      const step = await compactionStep(upstream, after, config.compaction, Date.now());
      await this.ctx.storage.put(COMPACTION_KEY, step.after);
      if (step.superseded + step.tombstones + step.conflicts > 0) {
        console.info(
          `compaction removed ${step.superseded} superseded changes, ${step.tombstones} tombstones, ${step.conflicts} conflicts`,
        );
      }
      if (step.more) next = COMPACTION_STEP_GAP_MS;
    } catch (error) {
      console.error(`compaction step failed, retrying next interval: ${asVoicesyncError(error).message}`);
    }
    await this.ctx.storage.setAlarm(Date.now() + next);
  }

  private async start(): Promise<Services> {
    const config = relayConfig(this.env);
    const breaker = await persistentBreaker(this.ctx.storage, systemClock, config.breaker);
    breaker.onStateChange((state, previous) => {
      if (state === 'OPEN' && previous === 'CLOSED' && !this.trippedBySibling) this.tripSiblings();
    });
    // Hyperdrive's string is used as given: Hyperdrive holds the TLS connection to PostgreSQL.
    const databaseUrl = this.env.DATABASE_URL?.trim();
    const url = databaseUrl ? withVerifiedTls(databaseUrl) : this.env.HYPERDRIVE?.connectionString;
    const upstream = new Upstream(url, config.pool, breaker, systemClock);
    const cache = new DeviceCache(systemClock, config.authCacheTtlMs);
    const auth = new DeviceAuthenticator(cache, (id) => upstream.transaction((tx) => findDevice(tx, id)));
    const compacts = this.ctx.id.equals(this.env.RELAY.idFromName(shardName(0)));
    if (compacts && url && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + config.compaction.intervalMs);
    }
    return { config, upstream, auth };
  }

  /**
   * Tells the tenant's other devices after the commit, without delaying or failing the ack. The
   * pusher is left out unless the server won a conflict: the re-announced content is news to it.
   */
  private announce(device: PushingDevice, cursor: number, serverWon: boolean): void {
    const announced = announceChange(this.hubs, device.tenantId, cursor, serverWon ? null : device.deviceId);
    if (announced === 'skipped') this.counters.announced(announced);
    else this.ctx.waitUntil(announced.then((outcome) => this.counters.announced(outcome)));
  }

  /** Every shard (this one ignores it, being open already); best effort, each shard also trips alone. */
  private tripSiblings(): void {
    const trips = allRelays(this.env).map((relay) =>
      relay.tripBreaker().catch((error: unknown) => {
        console.error(`could not trip a sibling shard's breaker: ${asVoicesyncError(error).message}`);
      }),
    );
    this.ctx.waitUntil(Promise.all(trips));
  }

  private ready(): Services {
    if (this.services instanceof VoicesyncError) throw this.services;
    return this.services;
  }
}
