// A real, certified OpenID Provider (panva's oidc-provider from npm) for the interop tests, on loopback only.
// Usage: node server.mjs '<settings JSON>'. Settings: { host, clients: [...], conformIdTokenClaims }.
// It binds port 0, prints "oidc-provider listening on <port>", and signs every user in as "alice" without a
// page: the interaction route finishes login and consent at once, so an HTTP client or a browser can follow the
// redirects. POST /__test/rotate replaces the signing key (a new kid); GET /__test/health answers 204.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.argv[2] ?? '{}');
const host = settings.host ?? 'localhost';

function signingKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };
}

const account = {
  sub: 'alice',
  name: 'Alice Example',
  email: 'alice@example.com',
  email_verified: true,
  picture: 'https://example.com/alice.png',
};

function configuration() {
  return {
    clients: settings.clients ?? [],
    jwks: { keys: [signingKey()] },
    cookies: { keys: ['interop-tests-only'] },
    claims: { openid: ['sub'], profile: ['name', 'picture'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: settings.conformIdTokenClaims ?? true,
    findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ ...account, sub: id }) }),
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: true },
      userinfo: { enabled: true },
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'],
    pkce: { required: () => false },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
}

let provider;
let callback;

function start(port) {
  provider = new Provider(`http://${host}:${port}`, configuration());
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  callback = provider.callback();
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: 'alice' } }, { mergeWithLastSubmission: false });
    return;
  }

  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  const missing = details.prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://placeholder').pathname;
  if (path === '/__test/health') {
    res.writeHead(204).end();
  } else if (path === '/__test/rotate' && req.method === 'POST') {
    start(server.address().port);
    res.writeHead(204).end();
  } else if (path.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      console.error('interaction', error);
      res.writeHead(500).end();
    });
  } else {
    callback(req, res);
  }
});

server.listen(0, '127.0.0.1', () => {
  start(server.address().port);
  console.log(`oidc-provider listening on ${server.address().port}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
