// Reading a request body: at most MAX_BODY_BYTES, JSON only, malformed JSON a 400 instead of a 500.
import { VoicesyncError } from '@voicesync/core';
import type { Context } from 'hono';

/** Largest request body the API reads (a 1,000-sample enrolment of 192-d vectors fits). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The body as text, at most MAX_BODY_BYTES. On the Node server it is read straight from the
 * socket's IncomingMessage: converting it to a web stream first costs about a third of a
 * verification's time.
 */
async function readBody(c: Context): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES)
    throw new VoicesyncError('payload_too_large', 'request body is larger than 4 MiB');
  const incoming = (c.env as { incoming?: AsyncIterable<Buffer> } | undefined)?.incoming;
  if (!incoming) {
    const text = await c.req.text();
    if (Buffer.byteLength(text) > MAX_BODY_BYTES)
      throw new VoicesyncError('payload_too_large', 'request body is larger than 4 MiB');
    return text;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new VoicesyncError('payload_too_large', 'request body is larger than 4 MiB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `application/json`, optionally with `charset=utf-8`: the only body the API reads. */
const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * Parses a JSON body, turning malformed JSON into a 400 instead of a 500. A body without a
 * content type is read as JSON (scripts often omit it); any other type is refused, so a form or
 * `text/plain` post from a web page never reaches a route.
 */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('content-type');
  if (type !== undefined && !JSON_TYPE.test(type.trim())) {
    throw new VoicesyncError('unsupported_media_type', `send application/json (got ${type})`);
  }
  const text = await readBody(c);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new VoicesyncError('invalid_json', 'request body is not valid JSON', { cause });
  }
}
