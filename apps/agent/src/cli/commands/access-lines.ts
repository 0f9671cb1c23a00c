// What `agent start` and `dev` tell the owner about the API key: where it is, and a one-time dashboard link.
import type { ApiAccess } from '../../api/access/index.ts';

/** Lines for the owner's terminal; the login code is single-use and never goes to the structured log. */
export function accessLines(access: ApiAccess, url: string): string[] {
  if (!access.required) return ['API key: none (allowUnauthenticated): any local user can call this agent'];
  const path = access.options.keyPath;
  return [
    path
      ? `API key in ${path} (send it as Authorization: Bearer <key>)`
      : 'API key from VOICESYNC_API_KEY (send it as Authorization: Bearer <key>)',
    `dashboard (one-time sign-in link): ${access.loginLink(url)}`,
  ];
}
