// Runs synchronous cleanups when the test process ends, by exit() or by a catchable signal.
//
// Vitest stops its fork workers with SIGTERM, and Node's default SIGTERM action exits without
// emitting 'exit'; so, like miniflare's own exit hook, a signal is turned into process.exit(),
// which runs every 'exit' listener (ours and miniflare's). SIGKILL is covered by the watchdog.

const cleanups = new Set<() => void>();
let installed = false;

const signalNumbers = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

function runCleanups(): void {
  const pending = [...cleanups].reverse();
  cleanups.clear();
  for (const cleanup of pending) {
    try {
      cleanup();
    } catch (error) {
      process.stderr.write(`[harness] cleanup at exit failed: ${String(error)}\n`);
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runCleanups);
  for (const [signal, number] of Object.entries(signalNumbers)) {
    process.on(signal, () => process.exit(128 + number));
  }
}

/**
 * Registers a synchronous cleanup to run when the process exits; returns a function that
 * unregisters it (call it once the resource was released normally).
 *
 * @example const off = onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
 */
export function onProcessExit(cleanup: () => void): () => void {
  install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}
