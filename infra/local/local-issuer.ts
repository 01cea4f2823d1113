import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import type { Scope } from '#functions/routes.ts';
import { adminCall, type RefreshGrant } from './cognito-admin.ts';
import {
  ALL_SCOPES,
  LOCAL_CLIENT_ID,
  LOCAL_CONSOLE_CLIENT_ID,
  LOCAL_PORTAL_CLIENT_ID,
  PUBLIC_CLIENTS,
} from './issuer-clients.ts';
import { basicCredentials, json, readText, sameSecret } from './issuer-http.ts';
import { authorizeProblem, errorPage, isLocalRedirect, page, signInPage } from './issuer-pages.ts';
import { createTokenMinter, TOKEN_LIFETIME_SECONDS } from './issuer-tokens.ts';
import { type LocalUser, LocalUserError, LocalUsers } from './local-users.ts';

/** Lifetime of the read and write tokens `npm start` prints: a working day. */
export const PRINTED_TOKEN_LIFETIME_SECONDS = 12 * 3600;
/** How long an authorization code may wait for its exchange. */
const CODE_LIFETIME_MS = 5 * 60_000;
/** The channel team's user `npm start` creates with `LOCAL_AUTH=1` (its password is printed). */
export const LOCAL_CHANNEL_USER = 'channel@example.com';

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
  const { sign, accessToken, userToken, userTokens } = createTokenMinter({
    privateKey,
    kid,
    issuer: () => issuer,
    refreshTokens,
  });

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
