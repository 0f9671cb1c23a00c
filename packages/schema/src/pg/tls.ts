// TLS policy of PostgreSQL URLs: verified TLS to any host off this machine, unless the URL says otherwise.

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

/**
 * `url` with `sslmode=verify-full` added when it names a non-loopback host and sets no sslmode:
 * postgres.js then verifies the certificate and host name (Node: tls with rejectUnauthorized; a
 * Worker: the runtime's startTls, which always verifies). An explicit `sslmode` (e.g. `disable`
 * for a private network, `require` for a self-signed server) is kept as the operator wrote it.
 * Loopback and Unix-socket URLs stay plaintext: nothing crosses a network.
 *
 * @example withVerifiedTls('postgres://u:p@db.example.com/vs') // ...?sslmode=verify-full
 */
export function withVerifiedTls(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.searchParams.has('sslmode') || parsed.searchParams.has('ssl')) return url;
  const host = parsed.searchParams.get('host') ?? parsed.hostname;
  if (host === '' || host.startsWith('/') || LOOPBACK.test(host)) return url;
  parsed.searchParams.set('sslmode', 'verify-full');
  return parsed.toString();
}
