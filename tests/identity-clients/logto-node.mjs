// Logto's own SDK (@logto/node) as Logto's Node guides use it: sign in (with a resource), handle the callback, read
// the ID token claims, userinfo and a resource's access token claims, sign out (revocation, then end session).
// Its storage is a per-browser map, as a session middleware would give.
import LogtoClient from '@logto/node';
import { randomUUID } from 'node:crypto';
import { cookies, env, serve } from './lib.mjs';

const sessions = new Map();
const resource = env('RESOURCE');

function client(req, res) {
  let sid = cookies(req).sid;
  if (!sid || !sessions.has(sid)) {
    sid = randomUUID();
    sessions.set(sid, new Map());
    res.setHeader('set-cookie', `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`);
  }

  const store = sessions.get(sid);
  const navigate = (to) => { res.statusCode = 302; res.setHeader('location', to); };
  return new LogtoClient(
    { endpoint: env('ENDPOINT'), appId: env('CLIENT_ID'), appSecret: env('CLIENT_SECRET'), scopes: ['email', 'phone', 'identities', 'custom_data'], resources: [resource] },
    {
      navigate,
      storage: {
        getItem: async (key) => store.get(key) ?? null,
        setItem: async (key, value) => { store.set(key, value); },
        removeItem: async (key) => { store.delete(key); },
      },
    });
}

// What a session that keeps every token (as Flask's Logto SDK does in its cookie) holds, in bytes.
async function sizes(logto) {
  const [id, refresh, access] = [await logto.getIdToken(), await logto.getRefreshToken(), await logto.getAccessToken()];
  return { id: id.length, refresh: refresh.length, access: access.length, total: id.length + refresh.length + access.length };
}

serve(async (req, res, origin) => {
  const url = new URL(req.url, origin);
  const logto = client(req, res);
  switch (url.pathname) {
    case '/sign-in':
      await logto.signIn(`${origin}/callback`);
      break;
    case '/callback':
      await logto.handleSignInCallback(url.href);
      res.statusCode = 302;
      res.setHeader('location', '/');
      break;
    case '/sign-out':
      await logto.signOut(`${origin}/`);
      break;
    case '/': {
      const authenticated = await logto.isAuthenticated();
      const state = authenticated
        ? { authenticated, claims: await logto.getIdTokenClaims(), userinfo: await logto.fetchUserInfo(), resource: await logto.getAccessTokenClaims(resource), sizes: await sizes(logto) }
        : { authenticated };
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<a id="signin" href="/sign-in">Sign in</a> <a id="signout" href="/sign-out">Sign out</a><pre id="state">${JSON.stringify(state)
        .replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>`);
      return;
    }
    default:
      res.statusCode = 404;
  }

  res.end();
});
