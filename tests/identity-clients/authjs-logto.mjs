// Auth.js's Logto provider on @auth/core 0.41.3 (what Logto's "Auth.js v5" guide uses: providers: [Logto]), with
// AUTH_LOGTO_ISSUER, AUTH_LOGTO_ID and AUTH_LOGTO_SECRET pointing at the identity server. The Web Request/Response
// that Auth() takes are made from Node's.
import { Auth } from '@auth/core';
import Logto from '@auth/core/providers/logto';
import { body, env, home, serve, testCallbacks } from './lib.mjs';

const issuer = env('ISSUER');

const config = {
  basePath: '/auth',
  secret: 'authjs-test-secret-0123456789abcdef',
  trustHost: true,
  providers: [Logto({ issuer, clientId: env('CLIENT_ID'), clientSecret: env('CLIENT_SECRET') })],
  callbacks: testCallbacks(issuer),
};

serve(async (req, res, origin) => {
  const url = new URL(req.url, origin);
  if (url.pathname === '/') {
    home(res, { basePath: '/auth', issuer, clientId: env('CLIENT_ID'), origin });
    return;
  }

  const payload = req.method === 'GET' || req.method === 'HEAD' ? undefined : await body(req);
  const response = await Auth(new Request(url, { method: req.method, headers: req.headers, body: payload }), config);
  const headers = {};
  response.headers.forEach((value, key) => { if (key !== 'set-cookie') headers[key] = value; });
  const setCookies = response.headers.getSetCookie();
  if (setCookies.length) headers['set-cookie'] = setCookies;
  res.writeHead(response.status, headers);
  res.end(Buffer.from(await response.arrayBuffer()));
});
