// Request parsing shared by the routes: JSON bodies and query strings checked with zod, first issue reported.
import { type ErrorCode, VoicesyncError } from '@voicesync/core';
import type { z } from 'zod';

function issueError(code: ErrorCode, error: z.ZodError): VoicesyncError {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  return new VoicesyncError(code, path ? `${path}: ${issue?.message}` : (issue?.message ?? 'invalid'), {
    details: { path },
  });
}

/** Parses a JSON body: `invalid_json` when it is not JSON, `code` (with the first issue) when the schema refuses it. */
export function parseJsonBody<S extends z.ZodType>(text: string, schema: S, code: ErrorCode): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VoicesyncError('invalid_json', 'request body is not valid JSON');
  }
  const result = schema.safeParse(value);
  if (!result.success) throw issueError(code, result.error);
  return result.data;
}

/** Parses query parameters; `invalid_query` with the first issue when the schema refuses them. */
export function parseQuery<S extends z.ZodType>(query: Record<string, string>, schema: S): z.output<S> {
  const result = schema.safeParse(query);
  if (!result.success) throw issueError('invalid_query', result.error);
  return result.data;
}
