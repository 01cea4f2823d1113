/**
 * Sign-in on AWS: the user pool's hosted login, authorization code with PKCE, the tokens kept in
 * memory only (a reload signs in again, silently while the hosted login's session lasts). Locally the
 * page has no `console-auth` meta tag: no sign-in, every scope.
 */
interface AuthConfig {
  issuer: string;
  domain: string;
  clientId: string;
  scopes: string;
}

const VERIFIER_KEY = 'console.pkce';
const ALL_SCOPES = ['partners/read', 'partners/write'];

let token: string | null = null;
let scopes: string[] = ALL_SCOPES;

function config(): AuthConfig | null {
  const meta = document.querySelector('meta[name="console-auth"]');
  const content = meta?.getAttribute('content');
  return content ? (JSON.parse(content) as AuthConfig) : null;
}

/** The bearer token of API calls; `null` locally. */
export function accessToken(): string | null {
  return token;
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

/**
 * Signs in when the page is configured for it. Resolves once a token is in memory, or never (the page
 * is navigating to the hosted login).
 */
export async function signIn(): Promise<void> {
  const settings = config();
  if (!settings) return;
  const redirectUri = `${location.origin}/`;
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const saved = sessionStorage.getItem(VERIFIER_KEY);
  if (code && saved) {
    sessionStorage.removeItem(VERIFIER_KEY);
    const { verifier, state, hash } = JSON.parse(saved) as { verifier: string; state: string; hash: string };
    if (params.get('state') !== state) throw new Error('The sign-in answer does not match this tab. Reload.');
    const response = await fetch(`${settings.domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: settings.clientId,
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    });
    if (!response.ok) throw new Error(`Sign-in failed (HTTP ${response.status}). Reload to try again.`);
    const tokens = (await response.json()) as { access_token: string };
    token = tokens.access_token;
    const claims = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as {
      scope?: string;
    };
    scopes = (claims.scope ?? '').split(' ').filter((scope) => ALL_SCOPES.includes(scope));
    history.replaceState(null, '', `/${hash}`);
    return;
  }
  const verifier = randomString();
  const state = randomString();
  sessionStorage.setItem(VERIFIER_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
  const authorize = new URL(`${settings.domain}/oauth2/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri,
    scope: settings.scopes,
    state,
    code_challenge: await challenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(authorize.toString());
  await new Promise(() => undefined);
}
