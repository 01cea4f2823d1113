import { randomBytes, randomUUID } from 'node:crypto';
import { type CryptoKey, type JWTPayload, type KeyObject, SignJWT } from 'jose';
import type { Scope } from '#functions/routes.ts';
import type { RefreshGrant } from './cognito-admin.ts';
import { LOCAL_CLIENT_ID, PUBLIC_CLIENTS } from './issuer-clients.ts';
import type { LocalUser } from './local-users.ts';

/** Lifetime of the tokens the token endpoint issues, as Cognito's default access tokens. */
export const TOKEN_LIFETIME_SECONDS = 3600;
/** How long a refresh token works: a working day of sessions, then sign in again. */
export const REFRESH_LIFETIME_SECONDS = 12 * 3600;

/**
 * The local issuer's tokens, shaped as Cognito's and signed with its key: a machine client's access
 * token, a user's access token through a public client, and the token endpoint's answer for a
 * signed-in user (access, ID and refresh token; the refresh grant kept in `refreshTokens`).
 */
export function createTokenMinter(options: {
  privateKey: CryptoKey | KeyObject;
  kid: string;
  /** The issuer's URL (`iss`), known once its server listens. */
  issuer: () => string;
  refreshTokens: Map<string, RefreshGrant>;
}) {
  const { privateKey, kid, issuer, refreshTokens } = options;
  const sign = (claims: JWTPayload, header: { kid?: string } = {}): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: header.kid ?? kid }).sign(privateKey);
  const accessToken = (
    scopes: readonly Scope[],
    lifetimeSeconds = TOKEN_LIFETIME_SECONDS,
  ): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return sign({
      sub: LOCAL_CLIENT_ID,
      token_use: 'access',
      scope: scopes.join(' '),
      auth_time: now,
      iss: issuer(),
      exp: now + lifetimeSeconds,
      iat: now,
      jti: randomUUID(),
      client_id: LOCAL_CLIENT_ID,
      version: 2,
    });
  };
  const userToken = (
    user: LocalUser,
    clientId: string,
    lifetimeSeconds = TOKEN_LIFETIME_SECONDS,
  ): Promise<string> => {
    const client = PUBLIC_CLIENTS.find((candidate) => candidate.id === clientId);
    if (!client) throw new Error(`${clientId} is not a public client of the local issuer`);
    const now = Math.floor(Date.now() / 1000);
    return sign({
      sub: user.sub,
      ...(user.groups.length > 0 ? { 'cognito:groups': user.groups } : {}),
      token_use: 'access',
      scope: client.scopes.join(' '),
      auth_time: now,
      iss: issuer(),
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
        iss: issuer(),
        iat: now,
        exp: now + TOKEN_LIFETIME_SECONDS,
        auth_time: now,
      }),
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: TOKEN_LIFETIME_SECONDS,
    };
  };
  return { sign, accessToken, userToken, userTokens };
}
