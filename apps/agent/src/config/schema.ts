// Every agent option with its default, validated by zod so a bad value names its key.
import { DEFAULT_BREAKER_OPTIONS, DEFAULT_PRIORITY_LIMITS } from '@voicesync/core';
import { z } from 'zod';
import { checkTransport } from './transport-rules.ts';

const breakerSchema = z
  .object({
    failureThreshold: z.number().int().positive().default(DEFAULT_BREAKER_OPTIONS.failureThreshold),
    successThreshold: z.number().int().positive().default(DEFAULT_BREAKER_OPTIONS.successThreshold),
    openMs: z.number().int().positive().default(DEFAULT_BREAKER_OPTIONS.openMs),
    halfOpenTimeoutMs: z.number().int().positive().default(DEFAULT_BREAKER_OPTIONS.halfOpenTimeoutMs),
  })
  .strict()
  .default({
    failureThreshold: DEFAULT_BREAKER_OPTIONS.failureThreshold,
    successThreshold: DEFAULT_BREAKER_OPTIONS.successThreshold,
    openMs: DEFAULT_BREAKER_OPTIONS.openMs,
    halfOpenTimeoutMs: DEFAULT_BREAKER_OPTIONS.halfOpenTimeoutMs,
  });

const limitsSchema = z
  .object({
    CRITICAL: z.number().int().positive().default(DEFAULT_PRIORITY_LIMITS.CRITICAL),
    HIGH: z.number().int().positive().default(DEFAULT_PRIORITY_LIMITS.HIGH),
    NORMAL: z.number().int().positive().default(DEFAULT_PRIORITY_LIMITS.NORMAL),
    LOW: z.number().int().positive().default(DEFAULT_PRIORITY_LIMITS.LOW),
    DEFERRED: z.number().int().positive().default(DEFAULT_PRIORITY_LIMITS.DEFERRED),
  })
  .strict()
  .default({ ...DEFAULT_PRIORITY_LIMITS });

export const agentConfigSchema = z
  .object({
    /** Loopback address the HTTP API binds to; any other address needs `allowRemoteApi`. */
    host: z.string().default('127.0.0.1'),
    /** Bind the API to a non-loopback address on purpose (the API key stays required). */
    allowRemoteApi: z.boolean().default(false),
    /**
     * The local API key (a bearer token); read from the environment or `--api-key`, never from the
     * config file. Without it the agent keeps one in `apiKeyFile`, generated at first start.
     */
    apiKey: z.string().min(16).optional(),
    /** File holding the API key (mode 0600); default `api-key` in the folder of `db`. */
    apiKeyFile: z.string().optional(),
    /** Serve every route without the API key: an explicit choice, logged at start. */
    allowUnauthenticated: z.boolean().default(false),
    /**
     * DNS names the API answers to besides localhost, the configured host and IP addresses (for
     * example the name Prometheus scrapes this machine by); any other name is refused (DNS rebinding).
     */
    allowedHosts: z.array(z.string().min(1)).default([]),
    port: z.number().int().min(0).max(65535).default(7420),
    /** Also listen on this Unix socket (mode 0600) when set. */
    socketPath: z.string().optional(),
    /** The local libSQL file (created with mode 0600). */
    db: z.string().default('.voicesync/agent.db'),
    /** libSQL `synchronous` pragma: FULL survives power loss, NORMAL survives process crashes. */
    synchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
    dim: z.number().int().min(4).max(4096).multipleOf(4).default(192),
    /** Base URL of the edge Worker; without it the agent works offline and keeps its outbox. */
    edgeUrl: z.url().optional(),
    /** Accept an http:// edge URL on a non-loopback host (the token then travels in clear). */
    allowInsecureEdge: z.boolean().default(false),
    deviceId: z.string().optional(),
    /** Device token; read from the environment or a 0600 file, never from the config file. */
    token: z.string().min(1).optional(),
    /** File holding the device token; refused unless only its owner can read it (mode 0600). */
    tokenFile: z.string().optional(),
    batchSize: z.number().int().min(1).max(100).default(50),
    syncIntervalMs: z.number().int().positive().default(30_000),
    maxAttempts: z.number().int().positive().default(5),
    backoffInitialMs: z.number().int().positive().default(1_000),
    backoffMaxMs: z.number().int().positive().default(60_000),
    requestTimeoutMs: z.number().int().positive().default(60_000),
    /** Above this edge pool load only CRITICAL and HIGH are sent. */
    backpressureThreshold: z.number().min(0).max(1).default(0.8),
    /** How long one high-load report defers the lower priorities before a round tries them again. */
    backpressureCooldownMs: z.number().int().positive().default(2_000),
    priorityLimits: limitsSchema,
    breaker: breakerSchema,
    pullIntervalMs: z.number().int().positive().default(30_000),
    /** A local clock further ahead of the edge's (its Date header) than this is logged and shown in /v1/status. */
    maxClockSkewMs: z.number().int().positive().default(300_000),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Scoring kernel: the WASM SIMD scan (default), tfjs (tfjs-node if installed, else its wasm backend), or plain JS. */
    scoringBackend: z.enum(['wasm-simd', 'tfjs', 'js']).default('wasm-simd'),
    /** Cosine score at or above which verify accepts and identify reports a match (tenant-wide). */
    threshold: z.number().min(-1).max(1).default(0.25),
    /** Per-speaker overrides of `threshold`. */
    speakerThresholds: z.record(z.string(), z.number().min(-1).max(1)).default({}),
    /** Cohort score normalisation; `threshold` of this block applies to normalised scores. */
    normalization: z
      .object({
        mode: z.enum(['none', 's-norm', 'as-norm']).default('none'),
        /** AS-norm: how many of the highest cohort scores form the statistics. */
        topN: z.number().int().min(2).default(200),
        threshold: z.number().default(2.5),
      })
      .strict()
      .default({ mode: 'none', topN: 200, threshold: 2.5 }),
    /** Matches returned by identify when the request gives no k. */
    identifyK: z.number().int().min(1).max(32).default(3),
    /** How often the metrics snapshot of /v1/status and the dashboard history is taken. */
    metricsIntervalMs: z.number().int().min(100).default(10_000),
    /** How often the relay's status is fetched from the edge (only when an edge is configured). */
    relayStatusIntervalMs: z.number().int().min(1_000).default(10_000),
    /** Serve the live dashboard at `/`. */
    dashboard: z.boolean().default(true),
  })
  .strict()
  .superRefine(checkTransport);

export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
