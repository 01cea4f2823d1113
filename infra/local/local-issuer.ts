import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { Scope } from '#functions/routes.ts';
import { type LocalUser, LocalUserError, LocalUsers } from './local-users.ts';

/** The app client of the local issuer: the JWT audience the local gateway accepts. */
export const LOCAL_CLIENT_ID = 'local-client';
/** The web console's public app client (authorization code + PKCE) for the vendor's channel team. */
export const LOCAL_CONSOLE_CLIENT_ID = 'local-console';
/** The partner portal's public app client (authorization code + PKCE; the password grant for scripts). */
export const LOCAL_PORTAL_CLIENT_ID = 'local-portal';
/** Lifetime of the tokens the token endpoint issues, as Cognito's default access tokens. */
export const TOKEN_LIFETIME_SECONDS = 3600;
/** Lifetime of the read and write tokens `npm start` prints: a working day. */
export const PRINTED_TOKEN_LIFETIME_SECONDS = 12 * 3600;
/** How long a refresh token works: a working day of sessions, then sign in again. */
export const REFRESH_LIFETIME_SECONDS = 12 * 3600;
/** How long an authorization code may wait for its exchange. */
const CODE_LIFETIME_MS = 5 * 60_000;
/** The channel team's user `npm start` creates with `LOCAL_AUTH=1` (its password is printed). */
export const LOCAL_CHANNEL_USER = 'channel@example.com';

const ALL_SCOPES: readonly Scope[] = ['partners/read', 'partners/write'];

/** A public app client (no secret) of users, as the Cognito app clients of the console and the portal. */
interface PublicClient {
  id: string;
  /** The scopes its tokens carry: on Cognito they belong to the app client, not to the user. */
  scopes: string[];
}

const PUBLIC_CLIENTS: readonly PublicClient[] = [
  { id: LOCAL_CONSOLE_CLIENT_ID, scopes: ['openid', ...ALL_SCOPES] },
  { id: LOCAL_PORTAL_CLIENT_ID, scopes: ['openid'] },
];

/**
 * A stand-in for the Cognito user pool on AWS, for `LOCAL_AUTH=1`: an RS256 key pair made at start,
 * the OpenID discovery document and JWKS, and a token endpoint. Clients: `LOCAL_CLIENT_ID` (a machine
 * client with a secret made at start: client credentials), and the public clients of the console
 * (the channel team) and of the partner portal: authorization code with PKCE through a sign-in page,
 * refresh tokens for a working day, revocation, and the password grant for scripts (local only).
 * Users live in `DATA_DIR/issuer` and are managed through the subset of Cognito's admin API the
 * write function calls (`AdminCreateUser`, `AdminGetUser`, `AdminAddUserToGroup`, `AdminDisableUser`,
 * `AdminUserGlobalSignOut`), so the same code runs as on AWS. Tokens are shaped like Cognito access
 * tokens: `client_id`, no `aud`, `token_use: access`, `scope` as one space-separated string, a
 * user's groups in `cognito:groups`.
 */
export interface LocalIssuer {
  /** The `iss` of its tokens, which is also its base URL. */
  issuer: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** The console's (channel team) and the partner portal's public app clients. */
  consoleClientId: string;
  portalClientId: string;
  /** Every client id whose tokens the gateway accepts (its JWT audience). */
  audiences: string[];
  /** The key set the gateway's authorizer verifies with (what `jwks_uri` serves). */
  keys: ReturnType<typeof createLocalJWKSet>;
  users: LocalUsers;
  /** A Cognito-shaped access token for `scopes`, valid for `lifetimeSeconds`. */
  accessToken(scopes: readonly Scope[], lifetimeSeconds?: number): Promise<string>;
  /** A user's access token through one of the public clients, as its sign-in would give it. */
  userToken(user: LocalUser, clientId: string, lifetimeSeconds?: number): Promise<string>;
  /** Any claims, signed with the issuer's key (tests make expired, foreign or ID tokens with it). */
  sign(claims: JWTPayload, header?: { kid?: string }): Promise<string>;
  stop(): Promise<void>;
}

export interface LocalIssuerOptions {
  /** Where users are kept across restarts (`DATA_DIR/issuer`); in memory when unset. */
  dataDir?: string;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  sub: string;
  expires: number;
}

interface RefreshGrant {
  sub: string;
  clientId: string;
  expires: number;
}

/** Starts the issuer's HTTP endpoints on `host:port` (0 picks a free port). */
export async function startLocalIssuer(
  host: string,
  port: number,
  options: LocalIssuerOptions = {},
): Promise<LocalIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const jwks = { keys: [jwk] };
  const clientSecret = randomBytes(24).toString('base64url');
  const users = await LocalUsers.open(options.dataDir ?? null);
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Map<string, RefreshGrant>();

  let issuer = '';
  const sign: LocalIssuer['sign'] = (claims, header = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: header.kid ?? kid }).sign(privateKey);
  const accessToken: LocalIssuer['accessToken'] = (scopes, lifetimeSeconds = TOKEN_LIFETIME_SECONDS) => {
    const now = Math.floor(Date.now() / 1000);
    return sign({
      sub: LOCAL_CLIENT_ID,
      token_use: 'access',
      scope: scopes.join(' '),
      auth_time: now,
      iss: issuer,
      exp: now + lifetimeSeconds,
      iat: now,
      jti: randomUUID(),
      client_id: LOCAL_CLIENT_ID,
      version: 2,
    });
  };
  const userToken: LocalIssuer['userToken'] = (user, clientId, lifetimeSeconds = TOKEN_LIFETIME_SECONDS) => {
    const client = PUBLIC_CLIENTS.find((candidate) => candidate.id === clientId);
    if (!client) throw new Error(`${clientId} is not a public client of the local issuer`);
    const now = Math.floor(Date.now() / 1000);
    return sign({
      sub: user.sub,
      ...(user.groups.length > 0 ? { 'cognito:groups': user.groups } : {}),
      token_use: 'access',
      scope: client.scopes.join(' '),
      auth_time: now,
      iss: issuer,
      exp: now + lifetimeSeconds,
      iat: now,
      jti: randomUUID(),
      client_id: client.id,
      username: user.sub,
      version: 2,
    });
  };
  /** The token endpoint's answer for a signed-in user: access and ID token, and a refresh token. */
  const userTokens = async (user: LocalUser, clientId: string) => {
    const refresh = randomBytes(32).toString('base64url');
    refreshTokens.set(refresh, {
      sub: user.sub,
      clientId,
      expires: Date.now() + REFRESH_LIFETIME_SECONDS * 1000,
    });
    const now = Math.floor(Date.now() / 1000);
    return {
      access_token: await userToken(user, clientId),
      id_token: await sign({
        sub: user.sub,
        aud: clientId,
        email: user.email,
        token_use: 'id',
        'cognito:username': user.sub,
        iss: issuer,
        iat: now,
        exp: now + TOKEN_LIFETIME_SECONDS,
        auth_time: now,
      }),
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: TOKEN_LIFETIME_SECONDS,
    };
  };

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return;
      if (error instanceof LocalUserError)
        return json(response, 400, { __type: error.name, message: error.message });
      json(response, 500, { error: 'server_error' });
    });
  });
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', issuer);
    const path = url.pathname;
    if (request.method === 'GET' && path === '/.well-known/openid-configuration') {
      return json(response, 200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        authorization_endpoint: `${issuer}/oauth2/authorize`,
        token_endpoint: `${issuer}/oauth2/token`,
        revocation_endpoint: `${issuer}/oauth2/revoke`,
        end_session_endpoint: `${issuer}/logout`,
        grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token', 'password'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', ...ALL_SCOPES],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (request.method === 'GET' && path === '/.well-known/jwks.json') return json(response, 200, jwks);
    const target = request.headers['x-amz-target'];
    if (request.method === 'POST' && path === '/' && typeof target === 'string') {
      return json(response, 200, await adminCall(users, refreshTokens, target, await readText(request)));
    }
    if (request.method === 'GET' && path === '/oauth2/authorize') {
      const problem = authorizeProblem(url.searchParams);
      if (problem) return page(response, 400, errorPage(problem));
      return page(response, 200, signInPage(url.searchParams, null));
    }
    if (request.method === 'POST' && path === '/login') {
      const form = new URLSearchParams(await readText(request));
      const problem = authorizeProblem(form);
      if (problem) return page(response, 400, errorPage(problem));
      const user = await users.verify(form.get('username') ?? '', form.get('password') ?? '');
      if (!user) return page(response, 401, signInPage(form, 'Incorrect email or password.'));
      const code = randomBytes(24).toString('base64url');
      codes.set(code, {
        clientId: form.get('client_id') ?? '',
        redirectUri: form.get('redirect_uri') ?? '',
        challenge: form.get('code_challenge') ?? '',
        sub: user.sub,
        expires: Date.now() + CODE_LIFETIME_MS,
      });
      const back = new URL(form.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      const state = form.get('state');
      if (state) back.searchParams.set('state', state);
      response.writeHead(302, { location: back.toString(), 'cache-control': 'no-store' });
      return response.end();
    }
    if (request.method === 'GET' && path === '/logout') {
      // The sign-in page keeps no session: signing out is the app forgetting its tokens (it revokes
      // its refresh token first); this sends the browser back, as Cognito's /logout does.
      const back = url.searchParams.get('logout_uri') ?? '';
      if (!isLocalRedirect(back))
        return page(response, 400, errorPage('logout_uri must be a local http URL.'));
      response.writeHead(302, { location: back, 'cache-control': 'no-store' });
      return response.end();
    }
    if (request.method === 'POST' && path === '/oauth2/revoke') {
      const form = new URLSearchParams(await readText(request));
      const grant = refreshTokens.get(form.get('token') ?? '');
      if (grant && grant.clientId === form.get('client_id')) refreshTokens.delete(form.get('token') ?? '');
      return json(response, 200, {}, true);
    }
    if (request.method === 'POST' && path === '/oauth2/token') {
      const form = new URLSearchParams(await readText(request));
      const grantType = form.get('grant_type');
      const publicClient = PUBLIC_CLIENTS.find((client) => client.id === form.get('client_id'));
      if (grantType === 'password') {
        if (!publicClient) return json(response, 401, { error: 'invalid_client' }, true);
        const user = await users.verify(form.get('username') ?? '', form.get('password') ?? '');
        if (!user)
          return json(
            response,
            400,
            { error: 'invalid_grant', error_description: 'Incorrect email or password.' },
            true,
          );
        return json(response, 200, await userTokens(user, publicClient.id), true);
      }
      if (grantType === 'authorization_code') {
        const code = form.get('code') ?? '';
        const pending = codes.get(code);
        codes.delete(code);
        const verifier = form.get('code_verifier') ?? '';
        if (
          !publicClient ||
          !pending ||
          pending.expires < Date.now() ||
          pending.clientId !== publicClient.id ||
          pending.redirectUri !== form.get('redirect_uri') ||
          createHash('sha256').update(verifier).digest('base64url') !== pending.challenge
        ) {
          return json(response, 400, { error: 'invalid_grant' }, true);
        }
        const user = users.bySub(pending.sub);
        if (!user?.enabled) return json(response, 400, { error: 'invalid_grant' }, true);
        return json(response, 200, await userTokens(user, publicClient.id), true);
      }
      if (grantType === 'refresh_token') {
        const grant = refreshTokens.get(form.get('refresh_token') ?? '');
        const user = grant && users.bySub(grant.sub);
        if (
          !publicClient ||
          !grant ||
          grant.clientId !== publicClient.id ||
          grant.expires < Date.now() ||
          !user?.enabled
        ) {
          return json(response, 400, { error: 'invalid_grant', error_description: 'Sign in again.' }, true);
        }
        const { refresh_token: _unused, ...tokens } = await userTokens(user, publicClient.id);
        refreshTokens.delete(_unused);
        return json(response, 200, tokens, true);
      }
      const [id, secret] = basicCredentials(request.headers.authorization) ?? [
        form.get('client_id') ?? '',
        form.get('client_secret') ?? '',
      ];
      if (id !== LOCAL_CLIENT_ID || !sameSecret(secret, clientSecret)) {
        return json(response, 401, { error: 'invalid_client' });
      }
      if (grantType !== 'client_credentials') {
        return json(response, 400, { error: 'unsupported_grant_type' });
      }
      const asked = (form.get('scope') ?? ALL_SCOPES.join(' ')).split(' ').filter(Boolean);
      if (asked.some((scope) => !ALL_SCOPES.includes(scope as Scope))) {
        return json(response, 400, { error: 'invalid_scope' });
      }
      return json(response, 200, {
        access_token: await accessToken(asked as Scope[]),
        expires_in: TOKEN_LIFETIME_SECONDS,
        token_type: 'Bearer',
      });
    }
    json(response, 404, { error: 'not_found' });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  issuer = `http://localhost:${typeof address === 'object' && address ? address.port : port}`;
  return {
    issuer,
    tokenUrl: `${issuer}/oauth2/token`,
    clientId: LOCAL_CLIENT_ID,
    clientSecret,
    consoleClientId: LOCAL_CONSOLE_CLIENT_ID,
    portalClientId: LOCAL_PORTAL_CLIENT_ID,
    audiences: [LOCAL_CLIENT_ID, ...PUBLIC_CLIENTS.map((client) => client.id)],
    keys: createLocalJWKSet(jwks),
    users,
    accessToken,
    userToken,
    sign,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The few Cognito admin calls the write function makes, answered as Cognito's JSON API does. */
async function adminCall(
  users: LocalUsers,
  refreshTokens: Map<string, RefreshGrant>,
  target: string,
  body: string,
): Promise<unknown> {
  const input = JSON.parse(body || '{}') as {
    Username?: string;
    GroupName?: string;
    TemporaryPassword?: string;
    MessageAction?: string;
  };
  const username = String(input.Username ?? '');
  const attributes = (user: LocalUser) => [
    { Name: 'sub', Value: user.sub },
    { Name: 'email', Value: user.email },
    { Name: 'email_verified', Value: 'true' },
  ];
  switch (target.replace(/^AWSCognitoIdentityProviderService\./, '')) {
    case 'AdminCreateUser': {
      if (input.MessageAction === 'RESEND') return { User: { Username: users.find(username).sub } };
      const user = await users.create(
        username,
        input.TemporaryPassword ?? randomBytes(18).toString('base64url'),
      );
      return {
        User: { Username: user.sub, Attributes: attributes(user), Enabled: true, UserStatus: 'CONFIRMED' },
      };
    }
    case 'AdminGetUser': {
      const user = users.find(username);
      return { Username: user.sub, UserAttributes: attributes(user), Enabled: user.enabled };
    }
    case 'AdminAddUserToGroup': {
      const user = users.find(username);
      const group = String(input.GroupName ?? '');
      if (!user.groups.includes(group)) await users.update(user, { groups: [...user.groups, group] });
      return {};
    }
    case 'AdminDisableUser': {
      await users.update(users.find(username), { enabled: false });
      return {};
    }
    case 'AdminUserGlobalSignOut': {
      const user = users.find(username);
      for (const [token, grant] of refreshTokens) if (grant.sub === user.sub) refreshTokens.delete(token);
      return {};
    }
    default:
      throw new LocalUserError('InvalidParameterException', `The local issuer does not implement ${target}.`);
  }
}

/** Redirects go back to a local app only (the console of `npm start`, on any port). */
function isLocalRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1');
  } catch {
    return false;
  }
}

/** What is wrong with an authorization request, or null. */
function authorizeProblem(params: URLSearchParams): string | null {
  if (!PUBLIC_CLIENTS.some((client) => client.id === params.get('client_id'))) return 'Unknown client_id.';
  if (params.get('response_type') !== 'code') return 'response_type must be code.';
  if (!isLocalRedirect(params.get('redirect_uri') ?? '')) return 'redirect_uri must be a local http URL.';
  if (
    params.get('code_challenge_method') !== 'S256' ||
    !/^[\w-]{43,128}$/.test(params.get('code_challenge') ?? '')
  ) {
    return 'PKCE is required: code_challenge with code_challenge_method S256.';
  }
  return null;
}

const PAGE_STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f4f5f7;color:#1b1f24}
main{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:min(22rem,90vw)}
h1{font-size:1.25rem;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #6b7280;border-radius:4px}
button{margin-top:1.25rem;width:100%;padding:.6rem;font:inherit;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:4px}
p.error{color:#b91c1c;font-weight:600}p.note{color:#4b5563;font-size:.875rem}
@media (prefers-color-scheme:dark){body{background:#111827;color:#f3f4f6}main{background:#1f2937}input{background:#111827;color:#f3f4f6;border-color:#9ca3af}p.note{color:#d1d5db}p.error{color:#fca5a5}}`;

function signInPage(params: URLSearchParams, error: string | null): string {
  const hidden = [
    'client_id',
    'redirect_uri',
    'state',
    'code_challenge',
    'code_challenge_method',
    'response_type',
    'scope',
  ]
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params.get(name) ?? '')}">`)
    .join('');
  const portal = params.get('client_id') === LOCAL_PORTAL_CLIENT_ID;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · local issuer</title><style>${PAGE_STYLE}</style></head><body><main>
<h1>Sign in to the ${portal ? 'partner portal' : 'channel team’s console'}</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login">${hidden}
<label for="username">Email</label><input id="username" name="username" type="email" autocomplete="username" required value="${escapeHtml(params.get('username') ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
<p class="note">Local issuer of <code>npm start</code> (LOCAL_AUTH=1); on AWS the user pool’s hosted sign-in plays this part.</p>
</main></body></html>`;
}

function errorPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title><style>${PAGE_STYLE}</style></head><body><main><h1>Sign-in error</h1><p class="error">${escapeHtml(message)}</p></main></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function page(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://localhost:* http://127.0.0.1:*; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  response.end(html);
}

/** `cors`: the browser app on the API's origin calls this endpoint (token, revoke), as Cognito allows. */
function json(response: ServerResponse, status: number, body: unknown, cors = false): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...(cors ? { 'access-control-allow-origin': '*' } : {}),
  });
  response.end(JSON.stringify(body));
}

const MAX_FORM_BYTES = 16 * 1024;

function readText(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_FORM_BYTES) {
        request.destroy();
        reject(new Error('form too large'));
      }
    });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

function basicCredentials(header: string | undefined): [string, string] | null {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  return [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
