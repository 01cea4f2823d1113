import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { Scope } from '#functions/routes.ts';

/** The app client of the local issuer: the JWT audience the local gateway accepts. */
export const LOCAL_CLIENT_ID = 'local-client';
/** Lifetime of the tokens the token endpoint issues, as Cognito's default access tokens. */
export const TOKEN_LIFETIME_SECONDS = 3600;
/** Lifetime of the read and write tokens `npm start` prints: a working day. */
export const PRINTED_TOKEN_LIFETIME_SECONDS = 12 * 3600;

const ALL_SCOPES: readonly Scope[] = ['partners/read', 'partners/write'];

/**
 * A stand-in for the Cognito user pool on AWS, for `LOCAL_AUTH=1`: an RS256 key pair made at start,
 * the OpenID discovery document and JWKS, and a client-credentials token endpoint for one app client
 * (`LOCAL_CLIENT_ID` with a secret made at start). Tokens are shaped like Cognito access tokens:
 * `client_id`, no `aud`, `token_use: access`, `scope` as one space-separated string.
 */
export interface LocalIssuer {
  /** The `iss` of its tokens, which is also its base URL. */
  issuer: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** The key set the gateway's authorizer verifies with (what `jwks_uri` serves). */
  keys: ReturnType<typeof createLocalJWKSet>;
  /** A Cognito-shaped access token for `scopes`, valid for `lifetimeSeconds`. */
  accessToken(scopes: readonly Scope[], lifetimeSeconds?: number): Promise<string>;
  /** Any claims, signed with the issuer's key (tests make expired, foreign or ID tokens with it). */
  sign(claims: JWTPayload, header?: { kid?: string }): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the issuer's HTTP endpoints on `host:port` (0 picks a free port). */
export async function startLocalIssuer(host: string, port: number): Promise<LocalIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const jwks = { keys: [jwk] };
  const clientSecret = randomBytes(24).toString('base64url');

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

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) json(response, 500, { error: 'server_error' });
    });
  });
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', issuer).pathname;
    if (request.method === 'GET' && path === '/.well-known/openid-configuration') {
      return json(response, 200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        token_endpoint: `${issuer}/oauth2/token`,
        grant_types_supported: ['client_credentials'],
        scopes_supported: ALL_SCOPES,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (request.method === 'GET' && path === '/.well-known/jwks.json') return json(response, 200, jwks);
    if (request.method === 'POST' && path === '/oauth2/token') {
      const form = new URLSearchParams(await readText(request));
      const [id, secret] = basicCredentials(request.headers.authorization) ?? [
        form.get('client_id') ?? '',
        form.get('client_secret') ?? '',
      ];
      if (id !== LOCAL_CLIENT_ID || !sameSecret(secret, clientSecret)) {
        return json(response, 401, { error: 'invalid_client' });
      }
      if (form.get('grant_type') !== 'client_credentials') {
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
    keys: createLocalJWKSet(jwks),
    accessToken,
    sign,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
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
