// Query-string schemas of the agent API; each refusal names the parameter (`limit: must be ...`).
import { z } from 'zod';

/** A `limit` parameter: `fallback` when absent, else an integer from 1 to `max`. */
export function limitQuery(fallback: number, max: number) {
  const message = (issue: { input: unknown }) =>
    `must be an integer from 1 to ${max}, got ${JSON.stringify(issue.input)}`;
  return z
    .string()
    .regex(/^[0-9]+$/, { error: message })
    .refine((raw) => Number(raw) >= 1 && Number(raw) <= max, { error: message })
    .optional()
    .transform((raw) => (raw === undefined ? fallback : Number(raw)))
    .describe(`an integer from 1 to ${max}; ${fallback} when absent`);
}
