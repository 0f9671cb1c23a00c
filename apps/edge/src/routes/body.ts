// The push body read once under its own size cap (hono's bodyLimit copies the request and reads it twice).
import { VoicesyncError } from '@voicesync/core';

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
