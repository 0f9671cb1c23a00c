// The sign-in page shown to a browser without a session: a form for the API key, no script.
import type { Context } from 'hono';

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // Not no-referrer: with it a browser sends `Origin: null` on the form post, which the origin guard refuses.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/** A page without scripts: paste the key from the agent's key file to open the dashboard. */
export function loginPage(c: Context, status: 200 | 401, note = ''): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>voicesync agent: sign in</title></head>
<body>
<h1>voicesync agent</h1>
<p>This agent's API is locked with a key. Open the one-time link the agent printed when it started,
or paste the key from its key file (<code>.voicesync/api-key</code> for <code>npm start</code>,
<code>api-key</code> beside the database otherwise).</p>
${note ? `<p role="alert">${note}</p>` : ''}
<form method="post" action="/login">
<label>API key <input type="password" name="key" autocomplete="off" required></label>
<button type="submit">Sign in</button>
</form>
</body></html>`;
  return c.html(html, status, PAGE_HEADERS);
}
