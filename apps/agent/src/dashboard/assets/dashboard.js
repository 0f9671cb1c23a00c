// Dashboard client: polls /v1/status and /v1/profiles and draws uPlot charts. Text goes in via textContent only,
// so a speaker name can never inject markup.
import { chart, fmtAgo, fmtCount, fmtDuration, fmtMs, fmtPct } from './widgets.js';

const POLL_MS = 2000;
const PRIORITIES = ['CRITICAL', 'HIGH', 'NORMAL', 'LOW', 'DEFERRED'];
const PRIORITY_COLORS = ['#d62728', '#ff7f0e', '#1f77b4', '#2ca02c', '#9467bd'];

const byId = (id) => document.getElementById(id);

function setText(id, text) {
  const el = byId(id);
  if (el && el.textContent !== String(text)) el.textContent = String(text);
}

function setState(id, label, state) {
  setText(id, label);
  byId(id).dataset.state = state.toLowerCase();
}

const charts = {
  verify: chart(
    byId('chart-verify'),
    [
      { label: 'p50', stroke: '#1f77b4' },
      { label: 'p99', stroke: '#d62728' },
    ],
    'ms',
  ),
  outbox: chart(
    byId('chart-outbox'),
    PRIORITIES.map((label, i) => ({ label, stroke: PRIORITY_COLORS[i] })),
    'entries',
  ),
  sync: chart(byId('chart-sync'), [{ label: 'synced/s', stroke: '#2ca02c' }], '/s'),
  cache: chart(byId('chart-cache'), [{ label: 'hit rate', stroke: '#9467bd' }], '%', [0, 100]),
};
window.addEventListener('resize', () => {
  for (const c of Object.values(charts)) c.resize();
});

let lastSnapshotAt = 0;

/** One metrics snapshot (or history point) onto the interval charts. */
function plotSnapshot(point) {
  if (point.t <= lastSnapshotAt) return;
  lastSnapshotAt = point.t;
  charts.verify.add(point.t, [point.verifyP50, point.verifyP99]);
  charts.sync.add(point.t, [point.syncedPerSec]);
  charts.cache.add(point.t, [point.cacheHitRate == null ? null : point.cacheHitRate * 100]);
}

function pointOf(m) {
  return {
    t: m.takenAt,
    verifyP50: m.latencyMs.verify.p50,
    verifyP99: m.latencyMs.verify.p99,
    syncedPerSec: m.throughput.syncedPerSec,
    cacheHitRate: m.cache.intervalHitRate,
  };
}

function renderRelay(relay) {
  if (!relay) {
    setState('relay-breaker', 'no edge configured', 'unknown');
    return;
  }
  if (!relay.reachable)
    setState('relay-breaker', relay.checkedAt ? 'unreachable' : 'not checked yet', 'unreachable');
  else setState('relay-breaker', relay.breaker ?? 'unknown', relay.breaker ?? 'unknown');
  const pool = relay.pool;
  setText(
    'relay-pool',
    pool ? `${pool.active}/${pool.max} busy, ${pool.waiting} waiting, load ${fmtPct(pool.load)}` : '–',
  );
  setText('relay-checked', fmtAgo(relay.checkedAt));
}

/** Why the queue waits and for how long; the fix (e.g. for a refused credential) in the tooltip. */
function renderWaiting(s) {
  const w = s.waiting;
  setText(
    'outbox-oldest',
    s.outbox.oldestPendingSeconds ? fmtDuration(s.outbox.oldestPendingSeconds * 1000) : '–',
  );
  if (!w) {
    setState('outbox-waiting', 'uploading', 'available');
    byId('outbox-waiting').title = '';
    return;
  }
  const state = w.reason === 'backpressure' ? 'half_open' : 'unavailable';
  setState(
    'outbox-waiting',
    `waiting: ${w.reason.replace('_', ' ')} for ${fmtDuration(Date.now() - w.since)}`,
    state,
  );
  byId('outbox-waiting').title = w.message;
}

function renderStatus(s) {
  const m = s.metrics;
  setText('uptime', fmtDuration(s.uptimeMs));
  setText('updated', new Date().toLocaleTimeString());
  setState('agent-breaker', s.edge.breaker, s.edge.breaker);
  const available =
    s.edge.url == null
      ? 'offline (no edge configured)'
      : s.edge.available == null
        ? 'not contacted yet'
        : s.edge.available
          ? 'available'
          : 'unavailable';
  setState(
    'edge-available',
    available,
    s.edge.available === false ? 'unavailable' : s.edge.available ? 'available' : 'unknown',
  );
  setText('edge-load', fmtPct(s.edge.load));
  setText('last-sync', fmtAgo(s.edge.lastSyncAt));
  renderRelay(s.relay);
  setText('outbox-pending', fmtCount(s.outbox.pending));
  setText('outbox-in-flight', fmtCount(s.outbox.inFlight));
  setText('outbox-dead', fmtCount(s.outbox.deadLetters));
  renderWaiting(s);
  for (const p of PRIORITIES) setText(`outbox-${p}`, fmtCount(s.outbox.byPriority[p]));
  setText('synced', fmtCount(s.synced));
  setText('failed', fmtCount(s.failed));
  setText('conflicts', fmtCount(s.conflicts));
  setText('rejected', fmtCount(s.rejected));
  const reads = s.cache.hits + s.cache.misses;
  setText('cache-hit-rate', fmtPct(reads === 0 ? null : s.cache.hits / reads));
  setText('cache-hits', fmtCount(s.cache.hits));
  setText('cache-misses', fmtCount(s.cache.misses));
  setText('cache-size', fmtCount(s.cache.size));
  charts.outbox.add(
    Date.now(),
    PRIORITIES.map((p) => s.outbox.byPriority[p]),
  );
  if (!m) return;
  setText('sync-rate', m.throughput.syncedPerSec.toFixed(2));
  const v = m.latencyMs.verify;
  setText('verify-latency', v.count === 0 ? 'no traffic' : `${fmtMs(v.p50)} / ${fmtMs(v.p99)}`);
  setText('verify-accepted', fmtCount(m.verify.accepted));
  setText('verify-rejected', fmtCount(m.verify.rejected));
  plotSnapshot(pointOf(m));
}

function renderSpeakers(speakers) {
  setText('speaker-count', speakers.length);
  const rows = speakers.map((p) => {
    const tr = document.createElement('tr');
    for (const value of [p.name, p.speakerId, fmtCount(p.totalSamples), p.version]) {
      const td = document.createElement('td');
      td.textContent = String(value);
      tr.append(td);
    }
    return tr;
  });
  document.querySelector('#speakers tbody').replaceChildren(...rows);
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  // The session lives in the agent's memory: after a restart the owner signs in again.
  if (response.status === 401) window.location.assign('/login');
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

async function poll() {
  try {
    const [status, speakers] = await Promise.all([getJson('/v1/status'), getJson('/v1/profiles')]);
    renderStatus(status);
    renderSpeakers(speakers);
    setState('connection', 'live', 'online');
  } catch (error) {
    setState('connection', `agent unreachable (${error.message})`, 'offline');
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

getJson('/v1/metrics/history')
  .then((history) => {
    for (const point of history.points) plotSnapshot(point);
  })
  .catch(() => undefined)
  .finally(poll);
