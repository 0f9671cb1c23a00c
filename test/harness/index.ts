// The test harness: real PostgreSQL, the edge Worker in workerd, and the agent CLI, each
// started privately for a test file and cleaned up however the test process ends.
export {
  type AgentExit,
  type AgentHandle,
  agentAuthHeaders,
  agentCliPath,
  agentFetch,
  readAgentKey,
  rememberAgentKey,
  type StartAgentOptions,
  startAgent,
} from './agent/index.ts';
export {
  buildEdge,
  type EdgeBuild,
  type EdgeHandle,
  type StartEdgeOptions,
  startEdge,
} from './edge/index.ts';
export { type DevHandle, type DevPorts, type SpawnDevOptions, spawnDev } from './dev/index.ts';
export { freePort } from './free-port/index.ts';
export { repoPath, repoRoot } from './paths/index.ts';
export {
  type ConnectionSample,
  type ConnectionSampler,
  type CountOptions,
  countConnections,
  findPgBinDir,
  migrationModulePath,
  type PostgresHandle,
  type PostgresSetting,
  type StartPostgresOptions,
  sampleConnections,
  startPostgres,
} from './postgres/index.ts';
export { onProcessExit } from './process/index.ts';
export { type TempDir, type TempDirOptions, tempDir } from './temp-dir/index.ts';
export {
  type InstantSample,
  type PrometheusHandle,
  PROMTOOL_BIN,
  prometheusInstalled,
  promtool,
  type ScrapeTarget,
  type StartPrometheusOptions,
  startPrometheus,
} from './prometheus/index.ts';
export {
  type FaultMode,
  type FaultProxy,
  type FaultProxyOptions,
  startFaultProxy,
} from './fault-proxy/index.ts';
