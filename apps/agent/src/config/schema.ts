// Every agent option with its default, validated by zod so a bad value names its key.
import { DEFAULT_BREAKER_OPTIONS, DEFAULT_PRIORITY_LIMITS } from '@voicesync/core';
import { z } from 'zod';
import { checkTransport } from './transport-rules.ts';

const breakerSchema = z
  .object({
    failureThreshold: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_BREAKER_OPTIONS.failureThreshold)
      .describe('consecutive failed pushes that open the breaker toward the edge'),
    successThreshold: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_BREAKER_OPTIONS.successThreshold)
      .describe('half-open successes that close it'),
    openMs: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_BREAKER_OPTIONS.openMs)
      .describe('how long it stays open before a probe'),
    halfOpenTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_BREAKER_OPTIONS.halfOpenTimeoutMs)
      .describe('a half-open phase not closed by then re-opens'),
  })
  .strict()
  .default({
    failureThreshold: DEFAULT_BREAKER_OPTIONS.failureThreshold,
    successThreshold: DEFAULT_BREAKER_OPTIONS.successThreshold,
    openMs: DEFAULT_BREAKER_OPTIONS.openMs,
    halfOpenTimeoutMs: DEFAULT_BREAKER_OPTIONS.halfOpenTimeoutMs,
  });

const PER_ROUND = 'entries of this priority sent per round; the rest wait on disk';

const limitsSchema = z
  .object({
    CRITICAL: z.number().int().positive().default(DEFAULT_PRIORITY_LIMITS.CRITICAL).describe(PER_ROUND),
    HIGH: z.number().int().positive().default(DEFAULT_PRIORITY_LIMITS.HIGH).describe(PER_ROUND),
    NORMAL: z.number().int().positive().default(DEFAULT_PRIORITY_LIMITS.NORMAL).describe(PER_ROUND),
    LOW: z.number().int().positive().default(DEFAULT_PRIORITY_LIMITS.LOW).describe(PER_ROUND),
    DEFERRED: z.number().int().positive().default(DEFAULT_PRIORITY_LIMITS.DEFERRED).describe(PER_ROUND),
  })
  .strict()
  .default({ ...DEFAULT_PRIORITY_LIMITS });

// `.describe()` texts are the "meaning" column of docs/configuration.md (`npm run docs:config`).
export const agentConfigSchema = z
  .object({
    host: z
      .string()
      .default('127.0.0.1')
      .describe('address the HTTP API binds to; any non-loopback address needs `allowRemoteApi`'),
    allowRemoteApi: z
      .boolean()
      .default(false)
      .describe('bind the API to a non-loopback address on purpose (the API key stays required)'),
    apiKey: z
      .string()
      .min(16)
      .optional()
      .describe(
        'the local API key (bearer token); from the environment or `--api-key`, never from the config file; without it the agent keeps one in `apiKeyFile`, generated at first start',
      ),
    apiKeyFile: z
      .string()
      .optional()
      .describe('file holding the API key (mode 0600); default `api-key` in the folder of `db`'),
    allowUnauthenticated: z
      .boolean()
      .default(false)
      .describe('serve every route without the API key: an explicit choice, logged at every start'),
    allowedHosts: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'DNS names the API also answers to besides localhost, the configured host and IP addresses (e.g. the name Prometheus scrapes by); any other name is refused (DNS rebinding, see docs/security.md)',
      ),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(7420)
      .describe('HTTP port; `0` picks a free one (printed at start)'),
    socketPath: z.string().optional().describe('also serve the API on this Unix socket, mode 0600'),
    db: z.string().default('.voicesync/agent.db').describe('local libSQL file (created 0600, WAL)'),
    synchronous: z
      .enum(['FULL', 'NORMAL'])
      .default('FULL')
      .describe(
        'libSQL `synchronous` pragma: `FULL` survives power loss, `NORMAL` survives process crashes and writes faster',
      ),
    dim: z.number().int().min(4).max(4096).multipleOf(4).default(192).describe('embedding dimension'),
    edgeUrl: z
      .url()
      .optional()
      .describe(
        'edge Worker base URL; without it (or without a token) the agent works offline and keeps its outbox',
      ),
    allowInsecureEdge: z
      .boolean()
      .default(false)
      .describe(
        'accept an `http://` edge URL on a non-loopback host (the device token then travels in clear)',
      ),
    deviceId: z.string().optional().describe("this device's id at the edge"),
    token: z
      .string()
      .min(1)
      .optional()
      .describe('device token; from the environment or a flag, never from the config file (see Secrets)'),
    tokenFile: z
      .string()
      .optional()
      .describe('file holding the device token; refused unless only its owner can read it (mode 0600)'),
    batchSize: z.number().int().min(1).max(100).default(50).describe('outbox entries per push'),
    syncIntervalMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('full sync round every this often; CRITICAL and HIGH go at once'),
    maxAttempts: z
      .number()
      .int()
      .positive()
      .default(5)
      .describe('refusals by the edge before an entry becomes a dead letter (outages never count)'),
    backoffInitialMs: z
      .number()
      .int()
      .positive()
      .default(1_000)
      .describe('first retry delay, doubling, with jitter'),
    backoffMaxMs: z.number().int().positive().default(60_000).describe('longest retry delay'),
    requestTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(60_000)
      .describe('timeout of one request to the edge'),
    backpressureThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.8)
      .describe('above this upstream pool load only CRITICAL and HIGH are sent'),
    backpressureCooldownMs: z
      .number()
      .int()
      .positive()
      .default(2_000)
      .describe('how long one high-load report defers the lower priorities before a round tries them again'),
    priorityLimits: limitsSchema,
    breaker: breakerSchema,
    pullIntervalMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe("how often other devices' changes are pulled"),
    maxClockSkewMs: z
      .number()
      .int()
      .positive()
      .default(300_000)
      .describe(
        "a local clock further ahead of the edge's (its `Date` header) than this is logged, shown in /v1/status, and writes use the edge's time",
      ),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('level of the JSON log lines on stdout'),
    scoringBackend: z
      .enum(['wasm-simd', 'tfjs', 'js'])
      .default('wasm-simd')
      .describe(
        'scoring kernel: the WASM SIMD scan, tfjs (tfjs-node if installed, else its wasm backend), or plain JS',
      ),
    threshold: z
      .number()
      .min(-1)
      .max(1)
      .default(0.25)
      .describe('cosine score at or above which verify accepts and identify reports a match (tenant-wide)'),
    speakerThresholds: z
      .record(z.string(), z.number().min(-1).max(1))
      .default({})
      .describe('per-speaker overrides of `threshold`'),
    normalization: z
      .object({
        mode: z.enum(['none', 's-norm', 'as-norm']).default('none').describe('cohort score normalisation'),
        topN: z
          .number()
          .int()
          .min(2)
          .default(200)
          .describe('AS-norm: how many of the highest cohort scores form the statistics'),
        threshold: z.number().default(2.5).describe('threshold on normalised scores (z-scale)'),
      })
      .strict()
      .default({ mode: 'none', topN: 200, threshold: 2.5 }),
    identifyK: z
      .number()
      .int()
      .min(1)
      .max(32)
      .default(3)
      .describe('matches identify returns when the request gives no `k`'),
    metricsIntervalMs: z
      .number()
      .int()
      .min(100)
      .default(10_000)
      .describe('period of the metrics snapshot (`/v1/status` `metrics`, dashboard history)'),
    relayStatusIntervalMs: z
      .number()
      .int()
      .min(1_000)
      .default(10_000)
      .describe("how often the edge's `/v1/status` is fetched (only with an edge; never on the verify path)"),
    dashboard: z.boolean().default(true).describe('serve the live dashboard at `/`'),
  })
  .strict()
  .superRefine(checkTransport);

export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
