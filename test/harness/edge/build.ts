// Builds the edge Worker the way `wrangler deploy` does (bundle + config), cached by source state.
//
// The bundle comes from `wrangler deploy --dry-run --outdir`, so tests run the very code a
// deploy uploads. Builds are cached (see build-cache.ts), so only the first test file after an
// edit pays for wrangler: about 3 s to bundle, and 3 s to import wrangler to read the config.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourcelessWorkerOptions } from 'wrangler';
import { repoRoot } from '../paths/index.ts';
import { cacheRoot } from '../cache-dir/index.ts';
import { entryPrefix, findCurrentEntry, pruneEntries, writeStamp } from './build-cache.ts';

type ModuleType = 'ESModule' | 'CommonJS' | 'Text' | 'Data' | 'CompiledWasm';

export interface EdgeModule {
  type: ModuleType;
  path: string;
  /** Held in memory: another test process may prune the cache dir while this one still runs. */
  contents: Uint8Array;
}

export interface EdgeBuild {
  /** Worker name from the config; Durable Object storage is keyed by it. */
  name: string;
  /** Directory the module paths are relative to (miniflare's `modulesRoot`). */
  bundleDir: string;
  /** Entry module first. */
  modules: EdgeModule[];
  /** What `wrangler dev` would hand miniflare: bindings, DO classes, compat date/flags... */
  workerOptions: SourcelessWorkerOptions;
}

const inFlight = new Map<string, Promise<EdgeBuild>>();
const moduleTypes: Record<string, ModuleType> = {
  '.js': 'ESModule',
  '.mjs': 'ESModule',
  '.cjs': 'CommonJS',
  '.wasm': 'CompiledWasm',
  '.txt': 'Text',
  '.html': 'Text',
  '.sql': 'Text',
  '.bin': 'Data',
};

const wranglerEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  FORCE_COLOR: '0',
};

function runNode(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: wranglerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${args.slice(0, 3).join(' ')} failed (exit ${code}):\n${output.trim()}`));
    });
  });
}

function listModules(bundleDir: string, main: string): EdgeModule[] {
  const entryName = `${main
    .replace(/\.[cm]?[jt]sx?$/, '')
    .split('/')
    .pop()}.js`;
  const found: EdgeModule[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const type = moduleTypes[extname(entry.name)];
      if (entry.isDirectory()) walk(path);
      else if (type) found.push({ type, path, contents: readFileSync(path) });
    }
  };
  walk(bundleDir);
  const isEntry = (module: EdgeModule) => relative(bundleDir, module.path) === entryName;
  return [...found.filter(isEntry), ...found.filter((module) => !isEntry(module))];
}

async function loadBuild(dir: string): Promise<EdgeBuild> {
  const bundleDir = join(dir, 'bundle');
  const { name, main, workerOptions } = JSON.parse(await readFile(join(dir, 'worker.json'), 'utf8')) as {
    name: string;
    main: string;
    workerOptions: SourcelessWorkerOptions;
  };
  return { name, bundleDir, modules: listModules(bundleDir, main), workerOptions };
}

async function buildEntry(configPath: string): Promise<string> {
  const entry = join(cacheRoot, `${entryPrefix(configPath)}${Date.now().toString(36)}-${process.pid}`);
  const staging = `${entry}.staging-${process.pid}`;
  await mkdir(staging, { recursive: true });
  const wrangler = join(
    dirname(createRequire(import.meta.url).resolve('wrangler/package.json')),
    'bin',
    'wrangler.js',
  );
  const readConfig = join(dirname(fileURLToPath(import.meta.url)), 'read-config.ts');
  const configDir = dirname(configPath);
  const metafile = join(staging, 'meta.json');
  try {
    await Promise.all([
      runNode(
        [
          wrangler,
          'deploy',
          '--dry-run',
          '--outdir',
          join(staging, 'bundle'),
          '--metafile',
          metafile,
          '--config',
          configPath,
        ],
        configDir,
      ),
      runNode(['--import', 'tsx', readConfig, configPath, join(staging, 'worker.json')], repoRoot),
    ]);
    await writeStamp(staging, configPath, configDir, metafile);
    await rename(staging, entry);
    return entry;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The bundled Worker and its miniflare options for a wrangler config, rebuilt only when the
 * config or a file in the bundle changed.
 *
 * @example const build = await buildEdge(repoPath('wrangler.toml'));
 */
export function buildEdge(configPath: string): Promise<EdgeBuild> {
  const pending = inFlight.get(configPath);
  if (pending) return pending;
  const build = (async () => {
    await mkdir(cacheRoot, { recursive: true });
    const entry = findCurrentEntry(configPath) ?? (await buildEntry(configPath));
    await pruneEntries(entry);
    return loadBuild(entry);
  })().finally(() => inFlight.delete(configPath));
  inFlight.set(configPath, build);
  return build;
}
