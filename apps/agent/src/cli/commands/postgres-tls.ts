// PostgreSQL beyond this machine gets verified TLS unless the URL or PGSSLMODE says otherwise.
import { isLoopbackHost } from '../../config/transport-rules.ts';

/**
 * `url` with `sslmode=verify-full` (certificate and host name checked) added when it names a host
 * other than loopback or a Unix socket and chooses no mode itself. PGSSLMODE, libpq's variable,
 * is the setting that chooses for every URL without one (`disable` for a trusted network).
 *
 * @example
 * withTlsDefault('postgres://u:p@db.example.com/app', {}) // ...?sslmode=verify-full
 */
export function withTlsDefault(url: string, env: Record<string, string | undefined>): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const query = parsed.searchParams;
  if (query.has('sslmode') || query.has('ssl') || query.has('sslrootcert')) return url;
  if (env.PGSSLMODE) {
    query.set('sslmode', env.PGSSLMODE);
    return parsed.toString();
  }
  const host = decodeURIComponent(parsed.hostname) || query.get('host') || env.PGHOST || 'localhost';
  const hosts = host.split(',').map((h) => h.replace(/:\d+$/, ''));
  if (hosts.every((h) => h.startsWith('/') || isLoopbackHost(h))) return url;
  query.set('sslmode', 'verify-full');
  return parsed.toString();
}
