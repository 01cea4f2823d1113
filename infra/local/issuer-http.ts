import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

// The local issuer's HTTP plumbing: JSON answers, form bodies, client credentials.

/** `cors`: the browser app on the API's origin calls this endpoint (token, revoke), as Cognito allows. */
export function json(response: ServerResponse, status: number, body: unknown, cors = false): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...(cors ? { 'access-control-allow-origin': '*' } : {}),
  });
  response.end(JSON.stringify(body));
}

/** Largest form the issuer reads. */
const MAX_FORM_BYTES = 16 * 1024;

/** A request's body as text, at most {@link MAX_FORM_BYTES} (larger: the request is destroyed). */
export function readText(request: IncomingMessage): Promise<string> {
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

/** Client id and secret of an `Authorization: Basic` header, or null. */
export function basicCredentials(header: string | undefined): [string, string] | null {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  return [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/** Compares secrets in constant time. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
