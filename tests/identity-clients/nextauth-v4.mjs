// Auth.js v4 (next-auth 4.24.15) with the provider block of Logto's "Next Auth v4" guide, only the well-known URL,
// client id and secret changed. next-auth runs as a Next.js pages/api/auth/[...nextauth] route: the request and
// response below are the parts of Next's API route objects it uses (query.nextauth, body, cookies; status, setHeader,
// send, json, end), so next-auth's own code does the whole OAuth/OIDC work (openid-client, state, tokens, ID token).
import nextAuth from 'next-auth';
import { body, cookies, env, home, serve, testCallbacks } from './lib.mjs';

const NextAuth = nextAuth.default ?? nextAuth; // a CommonJS package: its default export, seen from ES modules
const issuer = env('ISSUER');

const options = {
  secret: 'nextauth-v4-test-secret',
  providers: [
    {
      id: 'logto',
      name: 'Logto',
      type: 'oauth',
      // Logto アプリケーションの詳細ページから、"OpenID Provider configuration endpoint" フィールドで well-known URL を取得できます
      wellKnown: `${issuer}/.well-known/openid-configuration`,
      authorization: { params: { scope: 'openid offline_access profile email' } },
      clientId: env('CLIENT_ID'),
      clientSecret: env('CLIENT_SECRET'),
      client: {
        id_token_signed_response_alg: 'ES384',
      },
      profile(profile) {
        // ユーザープロファイルのマッピングをここでカスタマイズできます
        return {
          id: profile.sub,
          name: profile.name ?? profile.username,
          email: profile.email,
          image: profile.picture,
        };
      },
    },
  ],
  callbacks: testCallbacks(issuer),
};

serve(async (req, res, origin) => {
  process.env.NEXTAUTH_URL = `${origin}/api/auth`;
  const url = new URL(req.url, origin);
  if (url.pathname === '/') {
    home(res, { basePath: '/api/auth', issuer, clientId: env('CLIENT_ID'), origin });
    return;
  }

  if (!url.pathname.startsWith('/api/auth/')) {
    res.writeHead(404).end();
    return;
  }

  const raw = (await body(req)).toString();
  const nextReq = Object.assign(req, {
    query: { ...Object.fromEntries(url.searchParams), nextauth: url.pathname.slice('/api/auth/'.length).split('/') },
    body: Object.fromEntries(new URLSearchParams(raw)),
    cookies: cookies(req),
  });
  const nextRes = Object.assign(res, {
    status(code) { res.statusCode = code; return nextRes; },
    send(data) { res.end(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data)); },
    json(data) { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(data)); },
  });
  await NextAuth(nextReq, nextRes, options);
});
