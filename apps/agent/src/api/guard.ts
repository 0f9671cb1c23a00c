// Keeps web pages out of the agent: a browser is the one client that can be made to call it unasked.
import { isIP } from 'node:net';
import type { Context, Next } from 'hono';

/** localhost, 127.x.y.z or [::1], with any port. */
export const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/** The Host header (in-process requests through app.request carry none; their URL names the host). */
export function requestHost(c: Context): string {
  return c.req.header('host') ?? new URL(c.req.url).host;
}

/**
 * Serves `what` only to loopback host names: a page reached through another name (DNS rebinding,
 * a LAN address when the agent binds wider) would let a foreign site read enrolled speakers.
 */
export function loopbackOnly(what: string) {
  return async (c: Context, next: Next): Promise<Response | undefined> => {
    if (!LOOPBACK_HOST.test(requestHost(c))) {
      return forbidden(c, `${what} served on loopback addresses only`);
    }
    await next();
    return undefined;
  };
}

function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1] ?? '';
  return host.replace(/:\d+$/, '');
}

function forbidden(c: Context, message: string): Response {
  return c.json({ error: { code: 'forbidden', message } }, 403);
}

/**
 * Refuses what only a browser would send:
 * - a Host that is a DNS name other than localhost, the configured `host` and `allowedHosts` (DNS rebinding: a
 *   foreign page whose name was re-pointed at this machine would otherwise read and write freely;
 *   an IP literal cannot be re-pointed);
 * - an Origin other than the agent's own (a cross-site page posting enrolments or deletions; a
 *   browser sends Origin with every cross-origin request that can change something, programs
 *   such as the voice pipeline, the CLI and curl send none).
 */
export function browserGuard(configuredHost: string, allowedHosts: readonly string[] = []) {
  const allowed = new Set([configuredHost.toLowerCase(), ...allowedHosts.map((name) => name.toLowerCase())]);
  // Runs before every verification: the usual request (loopback Host, no Origin) costs one regex test.
  const known = (host: string) => {
    const name = hostName(host).toLowerCase();
    return isIP(name) !== 0 || allowed.has(name);
  };
  return async (c: Context, next: Next): Promise<Response | undefined> => {
    const host = requestHost(c);
    if (!LOOPBACK_HOST.test(host) && !known(host)) {
      return forbidden(
        c,
        `host ${JSON.stringify(host)} is not this agent's: use an IP address or localhost, or add the name to allowedHosts`,
      );
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !sameOrigin(origin, host)) {
      return forbidden(c, `requests from web pages of other origins are refused (origin ${origin})`);
    }
    await next();
    return undefined;
  };
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && url.host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
