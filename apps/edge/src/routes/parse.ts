// Request parsing shared by the routes: JSON bodies and query strings checked with zod, first issue reported.
import { VoicesyncError } from '@voicesync/core';
import type { z } from 'zod';

function issueError(code: string, error: z.ZodError): VoicesyncError {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  return new VoicesyncError(code, path ? `${path}: ${issue?.message}` : (issue?.message ?? 'invalid'), {
    details: { path },
  });
}

/**
 * The body as text, refused with `payload_too_large` past `maxBytes` before more than that is
 * read. A declared Content-Length is trusted to bound it (the runtime enforces it); a streamed
 * body is counted chunk by chunk and decoded once (hono's bodyLimit copies it into a new Request,
 * which then is read a second time: a visible share of a large push in the edge profile).
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () => new VoicesyncError('payload_too_large', `request body exceeds ${maxBytes} bytes`);
  const declared = request.headers.get('content-length');
  if (declared !== null && !request.headers.has('transfer-encoding')) {
    if (Number.parseInt(declared, 10) > maxBytes) throw tooLarge();
    return request.text();
  }
  if (!request.body) return '';
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * Parses a JSON body: `invalid_json` when it is not JSON, `code` (with the first issue) when the
 * schema refuses it. `fast`, when given, must accept only what the schema accepts, with the same
 * value (e.g. `fastPushRequest`); the schema then runs only for what `fast` did not take.
 */
export function parseJsonBody<S extends z.ZodType>(
  text: string,
  schema: S,
  code: string,
  fast?: (value: unknown) => z.output<S> | undefined,
): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VoicesyncError('invalid_json', 'request body is not valid JSON');
  }
  const taken = fast?.(value);
  if (taken !== undefined) return taken;
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
