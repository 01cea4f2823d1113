import type { ServerResponse } from 'node:http';
import { LOCAL_PORTAL_CLIENT_ID, PUBLIC_CLIENTS } from './issuer-clients.ts';

// The local issuer's sign-in pages (what the user pool's hosted sign-in is on AWS).

/** Redirects go back to a local app only (the console of `npm start`, on any port). */
export function isLocalRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1');
  } catch {
    return false;
  }
}

/** What is wrong with an authorization request, or null. */
export function authorizeProblem(params: URLSearchParams): string | null {
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

/** The sign-in page of the authorization code flow (its form posts to `/login`). */
export function signInPage(params: URLSearchParams, error: string | null): string {
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

/** A page saying what is wrong with a sign-in request. */
export function errorPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title><style>${PAGE_STYLE}</style></head><body><main><h1>Sign-in error</h1><p class="error">${escapeHtml(message)}</p></main></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Sends `html` with a strict content security policy, never cached. */
export function page(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://localhost:* http://127.0.0.1:*; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  response.end(html);
}
