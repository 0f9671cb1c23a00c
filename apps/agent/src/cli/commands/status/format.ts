// Renders GET /v1/status for people: one line per concern, state words coloured when the terminal allows.
import type { Colors } from '../output/index.ts';

interface Latency {
  p50: number | null;
  p99: number | null;
  count: number;
}

/** The parts of /v1/status this view reads; other fields are ignored, missing optional ones shown as "-". */
export interface AgentStatus {
  uptimeMs: number;
  outbox: {
    pending: number;
    byPriority: Record<string, number>;
    inFlight: number;
    deadLetters: number;
    oldestPendingSeconds?: number;
  };
  /** Why the queue waits, since when, and the fix; null while uploads go through. */
  waiting?: { reason: string; since: number; message: string } | null;
  synced: number;
  failed: number;
  deferred: number;
  rejected: number;
  conflicts: number;
  edge: {
    url: string | null;
    available: boolean | null;
    breaker: string;
    load: number;
    lastSyncAt: number | null;
    lastError: string | null;
    anotherUpstream?: string | null;
  };
  cache: { hits: number; misses: number; size: number };
  metrics?: {
    takenAt: number;
    latencyMs: Record<'localRead' | 'cacheHit' | 'push' | 'verify' | 'identify', Latency>;
    verify: { accepted: number; rejected: number };
    throughput: { syncedPerSec: number };
  };
  relay?: {
    reachable: boolean;
    checkedAt: number | null;
    error: string | null;
    breaker: string | null;
    pool: { max: number; active: number; waiting: number; load: number } | null;
  } | null;
}

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

const ago = (at: number | null | undefined, now: number) => (at ? `${duration(now - at)} ago` : 'never');
const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

function ms(value: number | null): string {
  if (value === null) return '-';
  return value < 1 ? `${Math.round(value * 1000)}µs` : `${value.toFixed(value < 10 ? 2 : 0)}ms`;
}

function breaker(state: string | null, c: Colors): string {
  if (state === 'CLOSED') return c.green(state);
  if (state === 'OPEN') return c.red(state);
  return state ? c.yellow(state) : c.dim('unknown');
}

function latency(name: string, l: Latency | undefined): string {
  return l && l.count > 0 ? `${name} p50 ${ms(l.p50)} p99 ${ms(l.p99)} (${l.count})` : `${name} -`;
}

/**
 * @example
 * console.log(formatStatus(await requestJson(agent, '/v1/status'), 'http://127.0.0.1:7420', terminalColors()));
 */
export function formatStatus(s: AgentStatus, agentUrl: string, c: Colors, now = Date.now()): string {
  const label = (text: string) => c.bold(text.padEnd(9));
  const edge = s.edge;
  const availability =
    edge.url === null
      ? c.yellow('offline (no edge configured)')
      : edge.available === false
        ? c.red('unavailable')
        : edge.available
          ? c.green('available')
          : c.dim('not contacted yet');
  const priorities = Object.entries(s.outbox.byPriority)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  const dead = s.outbox.deadLetters > 0 ? c.red(`${s.outbox.deadLetters} dead letters`) : '0 dead letters';
  const reads = s.cache.hits + s.cache.misses;
  const lines = [
    `${label('agent')} ${agentUrl}  up ${duration(s.uptimeMs)}`,
    `${label('edge')} ${edge.url ?? '-'}  ${availability}  breaker ${breaker(edge.breaker, c)}  pool load ${pct(edge.load)}  last sync ${ago(edge.lastSyncAt, now)}`,
  ];
  if (edge.lastError && edge.available === false) lines.push(`${label('')} last error: ${edge.lastError}`);
  if (edge.anotherUpstream) lines.push(`${label('')} ${c.red(edge.anotherUpstream)}`);
  const relay = s.relay;
  if (relay) {
    const pool = relay.pool
      ? `pool ${relay.pool.active}/${relay.pool.max} busy, ${relay.pool.waiting} waiting, load ${pct(relay.pool.load)}`
      : 'pool -';
    const reach = relay.reachable
      ? `breaker ${breaker(relay.breaker, c)}  ${pool}`
      : c.red(relay.error ?? 'not checked yet');
    lines.push(`${label('relay')} ${reach}  checked ${ago(relay.checkedAt, now)}`);
  }
  const oldest = s.outbox.oldestPendingSeconds
    ? `, oldest ${duration(s.outbox.oldestPendingSeconds * 1000)}`
    : '';
  lines.push(
    `${label('outbox')} ${s.outbox.pending} pending (${priorities})${oldest}, ${s.outbox.inFlight} in flight, ${dead}`,
  );
  if (s.waiting) {
    const reason = s.waiting.reason.replace('_', ' ');
    const word = s.waiting.reason === 'credential_refused' ? c.red(reason) : c.yellow(reason);
    lines.push(`${label('waiting')} ${word} for ${duration(now - s.waiting.since)}: ${s.waiting.message}`);
  }
  lines.push(
    `${label('sync')} synced ${s.synced}, failed ${s.failed}, deferred ${s.deferred}, rejected ${s.rejected}, conflicts ${s.conflicts}`,
    `${label('cache')} hits ${s.cache.hits}, misses ${s.cache.misses}${reads ? ` (${pct(s.cache.hits / reads)} hit rate)` : ''}, ${s.cache.size} cached`,
  );
  const m = s.metrics;
  if (m) {
    lines.push(
      `${label('verify')} accepted ${m.verify.accepted}, rejected ${m.verify.rejected}; ${latency('latency', m.latencyMs.verify)}`,
      `${label('latency')} ${[latency('local read', m.latencyMs.localRead), latency('cache hit', m.latencyMs.cacheHit), latency('push', m.latencyMs.push)].join('; ')}`,
      `${label('')} ${c.dim(`interval figures as of ${ago(m.takenAt, now)}`)}`,
    );
  }
  return lines.join('\n');
}
