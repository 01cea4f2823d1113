import { createHash } from 'node:crypto';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import openApiDocument from '../../../docs/openapi.json' with { type: 'json' };
import { REFERENCE_CSS, renderReference } from './reference.ts';

/** A file the web-console function serves, in each encoding it may send. */
export interface DescriptionFile {
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
  contentType: string;
  /** Headers of this file that replace the console's defaults (the reference page's own CSP). */
  headers: Record<string, string>;
}

const REFERENCE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(REFERENCE_CSS).digest('base64')}'`,
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const files = new Map<string, DescriptionFile>();

function encoded(text: string, contentType: string, headers: Record<string, string> = {}): DescriptionFile {
  const identity = Buffer.from(text);
  return { identity, gzip: gzipSync(identity), br: brotliCompressSync(identity), contentType, headers };
}

/**
 * `GET /openapi.json` (the document `npm run openapi` wrote, bundled) and `GET /docs` (the reference
 * page rendered from it), built and compressed once per container; `null` for any other route.
 */
export function apiDescriptionFile(routeKey: string): DescriptionFile | null {
  if (routeKey !== 'GET /openapi.json' && routeKey !== 'GET /docs') return null;
  let file = files.get(routeKey);
  if (!file) {
    file =
      routeKey === 'GET /docs'
        ? encoded(renderReference(openApiDocument), 'text/html; charset=utf-8', {
            'content-security-policy': REFERENCE_CSP,
          })
        : encoded(JSON.stringify(openApiDocument), 'application/json');
    files.set(routeKey, file);
  }
  return file;
}
