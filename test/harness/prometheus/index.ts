// Runs Debian's real Prometheus server (free port, temp dir) scraping the given targets, and asks
// its HTTP API what it saw; plus promtool, the format and rule checker that ships with it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../free-port/index.ts';
import { onProcessExit, signalPid, startWatchdog, type Watchdog, writePidFile } from '../process/index.ts';
import { tempDir } from '../temp-dir/index.ts';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

/** True when Debian's `prometheus` package is installed (`.ci/run` installs it). */
export function prometheusInstalled(): boolean {
  return existsSync(PROMETHEUS_BIN) && existsSync(PROMTOOL_BIN);
}

export interface ScrapeTarget {
  /** Becomes the `job` label. */
  job: string;
  /** Base URL, e.g. `http://127.0.0.1:7420`; `/metrics` is scraped. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` (written to a 0600 file Prometheus reads). */
  bearerToken?: string;
}

export interface StartPrometheusOptions {
  targets: ScrapeTarget[];
  /** Scrape (and rule evaluation) interval; default 1000 ms so a test sees a change within seconds. */
  intervalMs?: number;
  /** Rule files to load (alerting or recording rules). */
  ruleFiles?: string[];
  /** Deadline for `/-/ready`. Default 30 000 ms. */
  readyTimeoutMs?: number;
}

export interface InstantSample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusHandle {
  readonly url: string;
  readonly logs: string[];
  /** An instant query through `/api/v1/query`; throws on a query error. */
  query(promql: string): Promise<InstantSample[]>;
  /** Polls `query` until `accept` holds for its result, or throws with the last result after `timeoutMs`. */
  waitFor(
    promql: string,
    accept: (samples: InstantSample[]) => boolean,
    timeoutMs?: number,
  ): Promise<InstantSample[]>;
  /** SIGTERM, then SIGKILL after 5 s; removes the temp dir. */
  stop(): Promise<void>;
}

/** `promtool` with `args`, `input` on stdin; never throws, the caller asserts on the result. */
export function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL_BIN, args, { input: input ?? '', encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, output: `${run.stdout ?? ''}${run.stderr ?? ''}` };
}

function scrapeConfig(target: ScrapeTarget, dir: string): Record<string, unknown> {
  const url = new URL(target.url);
  const config: Record<string, unknown> = {
    job_name: target.job,
    scheme: url.protocol.replace(':', ''),
    metrics_path: '/metrics',
    static_configs: [{ targets: [url.host] }],
  };
  if (target.bearerToken !== undefined) {
    const file = join(dir, `${target.job}.token`);
    writeFileSync(file, target.bearerToken, { mode: 0o600 });
    config.authorization = { type: 'Bearer', credentials_file: file };
  }
  return config;
}

async function waitReady(url: string, child: ChildProcess, logs: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`prometheus exited (${child.exitCode}):\n${logs.slice(-8).join('\n')}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`prometheus not ready within ${timeoutMs} ms:\n${logs.slice(-8).join('\n')}`);
}

/**
 * Starts Prometheus scraping `targets`.
 *
 * @example const prom = await startPrometheus({ targets: [{ job: 'agent', url: agent.url }] });
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusHandle> {
  const dir = tempDir('prometheus');
  const port = await freePort();
  const interval = `${options.intervalMs ?? 1000}ms`;
  const configFile = join(dir.path, 'prometheus.yml');
  // JSON is YAML, so the config needs no YAML writer.
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: options.targets.map((target) => scrapeConfig(target, dir.path)),
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => logs.push(...chunk.trimEnd().split('\n')));
  }
  let watchdog: Watchdog | undefined;
  if (child.pid !== undefined) {
    const pidFile = join(dir.path, 'prometheus.pid');
    writePidFile(pidFile, child.pid);
    watchdog = startWatchdog({ pidFile, processName: 'prometheus', signal: 'KILL' });
  }
  const unregister = onProcessExit(() => {
    if (child.pid !== undefined && child.exitCode === null) signalPid(child.pid, 'SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      signalPid(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid !== undefined && signalPid(child.pid, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    watchdog?.cancel();
    unregister();
    await dir.remove();
  };
  try {
    await waitReady(url, child, logs, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const query = async (promql: string): Promise<InstantSample[]> => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    if (body.status !== 'success')
      throw new Error(`query ${promql} failed: ${body.error ?? response.status}`);
    return (body.data?.result ?? []).map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
  };
  return {
    url,
    logs,
    query,
    async waitFor(promql, accept, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: InstantSample[] = [];
      while (Date.now() < deadline) {
        last = await query(promql);
        if (accept(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`${promql} never satisfied within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    },
    stop,
  };
}
