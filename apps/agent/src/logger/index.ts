// Structured JSON logs (pino). Secrets and biometric fields are censored by key wherever they appear.
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, at any depth we know of. */
const SENSITIVE_KEYS = [
  'token',
  'secret',
  'authorization',
  'adminToken',
  'apiKey',
  'cookie',
  'embedding',
  'embeddingB64',
  'embeddings',
  'acousticFeatures',
  'centroid',
];

const redactPaths = SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'voicesync-agent' },
    redact: { paths: redactPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
