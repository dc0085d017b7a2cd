// A real OpenID provider for the single sign-on tests (oidc-provider, a certified implementation),
// started by tests/src/oidc.rs: `node provider.mjs` with HEMVIST_URL (where Hemvist serves, for the
// redirect URIs). It listens on a free port of 127.0.0.1 and prints `issuer <url>` when ready.
//
// Two test users (any password): `staff-aspudden`, in the group hemvist-shelter-aspudden, and
// `outsider`, in no group Hemvist maps. Clients: `hemvist-web` (authorization code flow with PKCE,
// secret `web-secret`) and `integration` (client credentials, secret `integration-secret`; its JWT
// access tokens carry the group hemvist-auditors and the audience of the `resource` asked for,
// default `urn:hemvist:api`).
//
// Test-only routes: POST /test/groups {user, groups} changes a user's groups (as an administrator
// at the city's provider would); POST /test/rotate makes a new signing key (published first, the old one kept
// after it); POST /test/sign {claims, key: "current"|"stray"} signs claims as the provider does (or
// with a key it never publishes), for tokens the provider would not issue (expired ones).
import http from 'node:http';
import { Provider } from 'oidc-provider';
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose';

const hemvist = (process.env.HEMVIST_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const API = 'urn:hemvist:api';

const USERS = {
  'staff-aspudden': ['hemvist-shelter-aspudden'],
  outsider: ['another-team'],
};
const CLIENT_GROUPS = { integration: ['hemvist-auditors'] };

let serial = 0;
async function newKey() {
  serial += 1;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `key-${serial}-${Date.now()}`, alg: 'RS256', use: 'sig' };
}

// The newest key signs; older ones stay published for tokens still in use.
let keys = [await newKey()];
const stray = await newKey();

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

function configuration() {
  return {
    clients: [
      {
        client_id: 'hemvist-web',
        client_secret: 'web-secret',
        redirect_uris: [`${hemvist}/login/sso/callback`],
        post_logout_redirect_uris: [`${hemvist}/`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        scope: 'openid groups',
      },
      {
        client_id: 'integration',
        client_secret: 'integration-secret',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'api',
      },
    ],
    jwks: { keys },
    scopes: ['openid', 'groups', 'api'],
    claims: { openid: ['sub'], groups: ['groups', 'preferred_username'] },
    // The groups go into the ID token, where Hemvist reads them.
    conformIdTokenClaims: false,
    async findAccount(_ctx, id) {
      if (!USERS[id]) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, groups: USERS[id], preferred_username: id }) };
    },
    // Hemvist is a first-party client: no consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid groups');
      grant.addOIDCClaims(['groups', 'preferred_username']);
      await grant.save();
      return grant;
    },
    async extraTokenClaims(_ctx, token) {
      const groups = CLIENT_GROUPS[token.clientId];
      return groups ? { groups } : undefined;
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign out</title></head>
            <body><main><h1>Sign out of the test provider?</h1>${form}
            <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
            </main></body></html>`;
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf || API,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => ({
          scope: 'api',
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    ttl: {
      IdToken: 3600,
      Session: 3600,
      Grant: 3600,
      Interaction: 600,
      AccessToken: 300,
      ClientCredentials: 300,
    },
    cookies: { keys: ['hemvist-test-provider-cookie-key'] },
  };
}

let provider = new Provider(issuer, configuration());
let handler = provider.callback();

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

function json(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

server.on('request', async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/test/rotate') {
      keys = [await newKey(), ...keys];
      // A new provider instance with the new key first (sessions of the old one are not needed).
      provider = new Provider(issuer, configuration());
      handler = provider.callback();
      return json(res, 200, { kid: keys[0].kid });
    }
    if (req.method === 'POST' && req.url === '/test/groups') {
      const { user, groups } = await body(req);
      USERS[user] = groups;
      return json(res, 200, { user, groups });
    }
    if (req.method === 'POST' && req.url === '/test/sign') {
      const { claims, key } = await body(req);
      const jwk = key === 'stray' ? stray : keys[0];
      const signing = await importJWK(jwk, 'RS256');
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'at+jwt' })
        .sign(signing);
      return json(res, 200, { token });
    }
    return handler(req, res);
  } catch (error) {
    return json(res, 500, { error: String(error) });
  }
});

process.stdout.write(`issuer ${issuer}\n`);
// Ends with the test that started it: stdin closes when that process is gone.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
