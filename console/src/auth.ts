/**
 * Sign-in: the user pool's hosted login on AWS, the local issuer's sign-in page with `LOCAL_AUTH=1`;
 * authorization code with PKCE, through the channel team's app client or the partner portal's, the
 * tokens kept in memory only (a reload signs in again, silently while the hosted login's session
 * lasts) and refreshed before they expire, so a session lasts a working day. Without the
 * `console-auth` meta tag (`npm start` without `LOCAL_AUTH`): no sign-in, every scope.
 */
interface AuthConfig {
  issuer: string;
  domain: string;
  clientId: string;
  /** The partner portal's app client, where partner users are set up. */
  portalClientId?: string;
  scopes: string;
}

/** Who signs in: the vendor's channel team (its app client) or a partner user (the portal's). */
export type Audience = 'vendor' | 'partner';

const VERIFIER_KEY = 'console.pkce';
const ALL_SCOPES = ['partners/read', 'partners/write'];

let token: string | null = null;
let refreshToken: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let scopes: string[] = ALL_SCOPES;
let audience: Audience = 'vendor';

function config(): AuthConfig | null {
  const meta = document.querySelector('meta[name="console-auth"]');
  const content = meta?.getAttribute('content');
  return content ? (JSON.parse(content) as AuthConfig) : null;
}

/** The bearer token of API calls; `null` locally. */
export function accessToken(): string | null {
  return token;
}

/** Whether a partner user signed in (through the portal's client): the console shows its own view. */
export function signedInAs(): Audience {
  return audience;
}

/** Whether there is a sign-in to leave (none on the local stack without `LOCAL_AUTH`). */
export function canSignOut(): boolean {
  return config() !== null && token !== null;
}

/** Whether the page may choose between the channel team's and the partner portal's sign-in. */
export function portalAvailable(): boolean {
  return Boolean(config()?.portalClientId);
}

/** Whether the signed-in user may use a scope (read-only users get no import or activate buttons). */
export function can(scope: 'partners/read' | 'partners/write'): boolean {
  return scopes.includes(scope);
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function randomString(): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(32)));
}

async function challenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/** Keeps the tokens of a token endpoint answer and schedules their refresh before they expire. */
function keep(settings: AuthConfig, clientId: string, tokens: TokenAnswer): void {
  token = tokens.access_token;
  if (tokens.refresh_token) refreshToken = tokens.refresh_token;
  const claims = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as {
    scope?: string;
    client_id?: string;
  };
  scopes = (claims.scope ?? '').split(' ').filter((scope) => ALL_SCOPES.includes(scope));
  audience = settings.portalClientId && claims.client_id === settings.portalClientId ? 'partner' : 'vendor';
  clearTimeout(refreshTimer);
  if (refreshToken) {
    // At four fifths of the lifetime: a token never expires under a call in flight.
    refreshTimer = setTimeout(() => void refresh(settings, clientId), tokens.expires_in * 800);
  }
}

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

async function refresh(settings: AuthConfig, clientId: string): Promise<void> {
  const response = await fetch(`${settings.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: refreshToken ?? '',
    }),
  }).catch(() => null);
  if (!response?.ok) {
    // The session ended (revoked, or a working day passed): the next call's 401 asks to sign in again.
    refreshToken = null;
    return;
  }
  keep(settings, clientId, (await response.json()) as TokenAnswer);
}

/** Signs out: revokes the refresh token, forgets the tokens, and leaves through the sign-in's logout. */
export async function signOut(): Promise<void> {
  const settings = config();
  if (!settings) return;
  const clientId =
    audience === 'partner' && settings.portalClientId ? settings.portalClientId : settings.clientId;
  if (refreshToken) {
    await fetch(`${settings.domain}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, client_id: clientId }),
    }).catch(() => undefined);
  }
  clearTimeout(refreshTimer);
  token = null;
  refreshToken = null;
  const logout = new URL(`${settings.domain}/logout`);
  logout.search = new URLSearchParams({ client_id: clientId, logout_uri: `${location.origin}/` }).toString();
  location.assign(logout.toString());
}

/**
 * Finishes a sign-in when the page is configured for one and the address carries its answer.
 * Resolves `true` once a token is in memory (or none is needed), `false` when the user has to choose
 * how to sign in ({@link startSignIn}).
 */
export async function signIn(): Promise<boolean> {
  const settings = config();
  if (!settings) return true;
  const redirectUri = `${location.origin}/`;
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const saved = sessionStorage.getItem(VERIFIER_KEY);
  if (code && saved) {
    sessionStorage.removeItem(VERIFIER_KEY);
    const { verifier, state, hash, clientId } = JSON.parse(saved) as {
      verifier: string;
      state: string;
      hash: string;
      clientId: string;
    };
    if (params.get('state') !== state) throw new Error('The sign-in answer does not match this tab. Reload.');
    const response = await fetch(`${settings.domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    });
    if (!response.ok) throw new Error(`Sign-in failed (HTTP ${response.status}). Reload to try again.`);
    keep(settings, clientId, (await response.json()) as TokenAnswer);
    history.replaceState(null, '', `/${hash}`);
    return true;
  }
  if (!settings.portalClientId) {
    await startSignIn('vendor');
    return false;
  }
  return false;
}

/** Goes to the sign-in page of the channel team's app client or of the partner portal's. */
export async function startSignIn(who: Audience): Promise<void> {
  const settings = config();
  if (!settings) return;
  const clientId = who === 'partner' && settings.portalClientId ? settings.portalClientId : settings.clientId;
  const verifier = randomString();
  const state = randomString();
  sessionStorage.setItem(VERIFIER_KEY, JSON.stringify({ verifier, state, hash: location.hash, clientId }));
  const authorize = new URL(`${settings.domain}/oauth2/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: `${location.origin}/`,
    scope: who === 'partner' ? 'openid email' : settings.scopes,
    state,
    code_challenge: await challenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(authorize.toString());
  await new Promise(() => undefined);
}
