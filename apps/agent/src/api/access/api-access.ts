// Who may call the agent's API: the holder of the local API key (bearer header or a dashboard session), or anyone on the 0600 Unix socket.
import type { Context, Next } from 'hono';
import { getCookie } from 'hono/cookie';
import { keysMatch } from '../api-key/index.ts';
import { loginPage } from './login-page.ts';
import { Sessions, sessionCookieName } from './sessions.ts';

/** Marks requests that arrived on the Unix socket; only the server sets it, a client cannot. */
export const UNIX_SOCKET = 'voicesyncUnixSocket';

/** Routes that answer without the key: liveness probes, the page where a browser signs in, and the API's description. */
const OPEN_PATHS = new Set(['/health', '/login', '/openapi.json', '/docs']);

export interface ApiAccessOptions {
  /** The required key; undefined means `allowUnauthenticated`. */
  key: string | undefined;
  /** Shown in the 401 message so the caller knows where to look. */
  keyPath: string | undefined;
}

function viaUnixSocket(c: Context): boolean {
  return (c.env as Record<string, unknown> | undefined)?.[UNIX_SOCKET] === true;
}

function bearer(c: Context): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('authorization') ?? '')?.[1];
}

/** The API key check and the dashboard's sessions. */
export class ApiAccess {
  readonly sessions = new Sessions();

  constructor(readonly options: ApiAccessOptions) {}

  get required(): boolean {
    return this.options.key !== undefined;
  }

  /** Whether `presented` is the key (constant time). */
  matches(presented: string): boolean {
    return this.options.key !== undefined && keysMatch(presented, this.options.key);
  }

  /** A link that signs a browser in once, for the owner's terminal (never for a log file). */
  loginLink(baseUrl: string): string | undefined {
    if (!this.required) return undefined;
    return `${baseUrl}/login?code=${this.sessions.issueCode()}`;
  }

  /** Hono middleware: 401 unless the request carries the key or a live session, or came on the Unix socket. */
  middleware() {
    return async (c: Context, next: Next): Promise<Response | undefined> => {
      if (!this.required || OPEN_PATHS.has(c.req.path) || viaUnixSocket(c)) {
        await next();
        return undefined;
      }
      const presented = bearer(c);
      const session = getCookie(c, sessionCookieName(c));
      if (
        (presented !== undefined && this.matches(presented)) ||
        (session !== undefined && this.sessions.has(session))
      ) {
        await next();
        return undefined;
      }
      c.header('WWW-Authenticate', 'Bearer realm="voicesync-agent"');
      if (c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html')) {
        return loginPage(c, 401);
      }
      const where = this.options.keyPath ? ` (the key is in ${this.options.keyPath})` : '';
      const message =
        presented === undefined
          ? `this agent's API needs its key: send Authorization: Bearer <key>${where}`
          : `the API key sent is not this agent's${where}`;
      return c.json({ error: { code: 'unauthorized', message } }, 401);
    };
  }
}
