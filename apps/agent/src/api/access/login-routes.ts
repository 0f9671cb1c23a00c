// The dashboard's sign-in: a one-time link printed at start, or the API key entered once into a form.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import type { ApiAccess } from './api-access.ts';
import { loginPage } from './login-page.ts';
import { sessionCookieName } from './sessions.ts';

function signIn(c: Context, access: ApiAccess): Response {
  setCookie(c, sessionCookieName(c), access.sessions.open(), {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
  });
  return c.redirect('/', 303);
}

/** GET /login?code=… spends a one-time code; POST /login checks a pasted key; both set an HttpOnly, SameSite=Strict cookie. */
export function loginRoutes(access: ApiAccess): Hono {
  const app = new Hono();
  app.get('/login', (c) => {
    const code = c.req.query('code');
    if (code === undefined) return loginPage(c, 200);
    if (access.sessions.redeemCode(code)) return signIn(c, access);
    return loginPage(c, 401, 'That link was already used or has expired: paste the key instead.');
  });
  app.post('/login', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const key = form.key;
    if (typeof key === 'string' && access.matches(key.trim())) return signIn(c, access);
    return loginPage(c, 401, 'That is not this agent&#39;s key.');
  });
  return app;
}
