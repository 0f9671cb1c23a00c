// Where cleartext is allowed: the edge URL's scheme and the API's bind address, checked when the config is read.
import { isIP } from 'node:net';
import type { z } from 'zod';

/** localhost, *.localhost, 127.0.0.0/8 and ::1: traffic that never leaves this machine. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1';
  return false;
}

export interface TransportOptions {
  host: string;
  edgeUrl?: string | undefined;
  allowInsecureEdge: boolean;
  allowRemoteApi: boolean;
  allowUnauthenticated: boolean;
}

/**
 * Adds an issue for each way the options would put the device token or voiceprints on the wire in
 * clear, or open the API beyond this machine without the operator saying so.
 */
export function checkTransport(options: TransportOptions, ctx: z.RefinementCtx): void {
  if (options.edgeUrl !== undefined) {
    const url = new URL(options.edgeUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({
        code: 'custom',
        path: ['edgeUrl'],
        message: `scheme ${url.protocol} is not supported: the edge URL must be https:// (http:// only on loopback)`,
      });
    } else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !options.allowInsecureEdge) {
      ctx.addIssue({
        code: 'custom',
        path: ['edgeUrl'],
        message: `http:// to ${url.hostname} would send the device token and voiceprints in clear: use https:// (or set allowInsecureEdge to accept cleartext on purpose)`,
      });
    }
  }
  if (!isLoopbackHost(options.host)) {
    if (!options.allowRemoteApi) {
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: `${options.host} is not a loopback address: other machines could call the API; set allowRemoteApi to bind it on purpose`,
      });
    } else if (options.allowUnauthenticated) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowUnauthenticated'],
        message:
          'an API bound beyond loopback (allowRemoteApi) always needs its key: unset allowUnauthenticated',
      });
    }
  }
}
