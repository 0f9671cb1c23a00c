import { describe, expect, it } from 'vitest';
import { readBodyText } from './body.ts';

function streamed(chunks: Uint8Array[]): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  return new Request('http://edge/v1/push', { method: 'POST', body, duplex: 'half' } as RequestInit);
}

describe('readBodyText', () => {
  it('decodes a streamed body once, a character split across chunks included', async () => {
    const bytes = new TextEncoder().encode('{"name":"Zoë"}');
    const split = bytes.indexOf(0xc3) + 1;
    expect(await readBodyText(streamed([bytes.slice(0, split), bytes.slice(split)]), 100)).toBe(
      '{"name":"Zoë"}',
    );
  });

  it('refuses a streamed body past the limit without a Content-Length to go by', async () => {
    const request = streamed([new Uint8Array(60), new Uint8Array(60)]);
    await expect(readBodyText(request, 100)).rejects.toMatchObject({ code: 'payload_too_large' });
  });

  it('refuses a declared Content-Length past the limit before reading', async () => {
    const request = new Request('http://edge/v1/push', {
      method: 'POST',
      body: 'x'.repeat(101),
      headers: { 'content-length': '101' },
    });
    await expect(readBodyText(request, 100)).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(request.bodyUsed).toBe(false);
  });
});
