// What the three apps share: a Node HTTP server on a loopback port the OS picks (printed as "listening <origin>"
// for the test harness), and the few request helpers a framework would otherwise give them.
import http from 'node:http';

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export function cookies(req) {
  return Object.fromEntries((req.headers.cookie ?? '').split(';').filter(Boolean).map((c) => {
    const i = c.indexOf('=');
    return [c.slice(0, i).trim(), decodeURIComponent(c.slice(i + 1).trim())];
  }));
}

export async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export function serve(handle) {
  const server = http.createServer(async (req, res) => {
    try {
      await handle(req, res, `http://127.0.0.1:${server.address().port}`);
    } catch (error) {
      console.error(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`app error: ${error?.message ?? error}`);
    }
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
  return server;
}

// The Auth.js callbacks both Auth.js apps use: what the test reads back (the provider's profile, which tokens came),
// and signing out through the identity server's end-session endpoint.
export function testCallbacks(issuer) {
  return {
    jwt({ token, profile, account }) {
      if (profile) token.profile = profile;
      if (account) token.tokens = { access: Boolean(account.access_token), refresh: Boolean(account.refresh_token), id: Boolean(account.id_token) };
      return token;
    },
    session({ session, token }) {
      return { ...session, profile: token.profile, tokens: token.tokens };
    },
    redirect({ url, baseUrl }) {
      return url.startsWith(baseUrl) || url.startsWith(`${issuer}/session/end`) ? url : baseUrl;
    },
  };
}

// The app's home page: links to sign in, see the session, and sign out of the app and then of the server.
export function home(res, { basePath, issuer, clientId, origin }) {
  const endSession = `${issuer}/session/end?client_id=${clientId}&post_logout_redirect_uri=${origin}/`;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<a id="signin" href="${basePath}/signin">Sign in</a> <a id="session" href="${basePath}/session">Session</a>
    <a id="signout" href="${basePath}/signout?callbackUrl=${encodeURIComponent(endSession)}">Sign out</a>`);
}
