import type { Scope } from '#functions/routes.ts';

// The local issuer's app clients, as the Cognito app clients on AWS.

/** The app client of the local issuer: the JWT audience the local gateway accepts. */
export const LOCAL_CLIENT_ID = 'local-client';
/** The web console's public app client (authorization code + PKCE) for the vendor's channel team. */
export const LOCAL_CONSOLE_CLIENT_ID = 'local-console';
/** The partner portal's public app client (authorization code + PKCE; the password grant for scripts). */
export const LOCAL_PORTAL_CLIENT_ID = 'local-portal';
/** Every scope of the API. */
export const ALL_SCOPES: readonly Scope[] = ['partners/read', 'partners/write'];

/** A public app client (no secret) of users, as the Cognito app clients of the console and the portal. */
export interface PublicClient {
  id: string;
  /** The scopes its tokens carry: on Cognito they belong to the app client, not to the user. */
  scopes: string[];
}

/** The console's and the portal's public clients. */
export const PUBLIC_CLIENTS: readonly PublicClient[] = [
  { id: LOCAL_CONSOLE_CLIENT_ID, scopes: ['openid', ...ALL_SCOPES] },
  { id: LOCAL_PORTAL_CLIENT_ID, scopes: ['openid'] },
];
