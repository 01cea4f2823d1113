import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiDescriptionFile } from './http/openapi/served-files.ts';
import { problem, problemFromError, problemResponse } from './http/problem.ts';

/**
 * The web console's static files (`GET /`, `GET /assets/{file}`), built by `infra/build-console.ts`,
 * and the API description (`GET /openapi.json`, the reference page `GET /docs`):
 * precompressed (brotli or gzip as the browser accepts), content-hashed assets cached as immutable,
 * `index.html` never cached, and a strict Content-Security-Policy on every response.
 *
 * Environment: `CONSOLE_ASSETS_DIR` (default: `console/` beside this bundle, where the CDK bundling
 * puts the build), `CONSOLE_AUTH` (JSON `{authority, clientId, scopes}` of the hosted sign-in on AWS;
 * unset locally, where there is no sign-in) and `CONSOLE_CONNECT_SRC` (origins the page may call
 * besides its own: the S3 endpoint of presigned uploads, the sign-in domain).
 */
const ASSETS_DIR = process.env.CONSOLE_ASSETS_DIR ?? path.join(import.meta.dirname, 'console');
const AUTH = process.env.CONSOLE_AUTH ?? '';
const CONNECT_SRC = (process.env.CONSOLE_CONNECT_SRC ?? '').split(/[\s,]+/).filter(Boolean);

/** Asset names as the build writes them; anything else (`..`, slashes) is not a file of ours. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
};

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  `connect-src 'self' ${CONNECT_SRC.join(' ')}`.trim(),
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  vary: 'Accept-Encoding',
};

interface Encoded {
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

/**
 * Assets read so far. Only files that exist are kept (the build's few, so the map stays small): an
 * unknown name is looked up again each time, never remembered, so requests for made-up names cannot
 * grow it.
 */
const cache = new Map<string, Encoded>();

function readAsset(name: string): Encoded | null {
  const cached = cache.get(name);
  if (cached) return cached;
  const file = path.join(ASSETS_DIR, 'assets', name);
  // An asset is its file and both precompressed copies (a `.gz` or `.br` name itself is none).
  if (![file, `${file}.gz`, `${file}.br`].every((copy) => existsSync(copy))) return null;
  const asset = {
    identity: readFileSync(file),
    gzip: readFileSync(`${file}.gz`),
    br: readFileSync(`${file}.br`),
  };
  cache.set(name, asset);
  return asset;
}

let indexPage: Encoded | undefined;

/** index.html with the sign-in settings in a meta tag (no inline script: the CSP forbids it). */
function readIndex(): Encoded {
  if (!indexPage) {
    const file = path.join(ASSETS_DIR, 'index.html');
    if (!existsSync(file)) {
      throw new Error(`The console is not built: ${file} is missing. Run tsx infra/build-console.ts.`);
    }
    const meta = AUTH ? `<meta name="console-auth" content="${escapeAttribute(AUTH)}">` : '';
    const html = Buffer.from(readFileSync(file, 'utf8').replace('<!-- auth -->', meta));
    indexPage = { identity: html, gzip: gzipSync(html), br: brotliCompressSync(html) };
  }
  return indexPage;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The best encoding the request accepts (`q=0` refuses one). */
export function pickEncoding(acceptEncoding: string | undefined): keyof Encoded {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [token = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    accepted.set(token, q ? Number(q.slice(2)) : 1);
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return 'identity';
}

function respond(
  event: APIGatewayProxyEventV2,
  body: Encoded,
  contentType: string,
  cacheControl: string,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  const encoding = pickEncoding(event.headers['accept-encoding']);
  return {
    statusCode: 200,
    headers: {
      'content-type': contentType,
      'cache-control': cacheControl,
      ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
      ...SECURITY_HEADERS,
      ...headers,
    },
    body: body[encoding].toString('base64'),
    isBase64Encoded: true,
  };
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(httpHeaderNormalizer())
  .use({
    onError: async (request) => {
      request.response = problemResponse(problemFromError(request.error));
    },
  })
  .handler(async (event) => {
    const description = apiDescriptionFile(event.routeKey);
    if (description) {
      return respond(event, description, description.contentType, 'no-cache', description.headers);
    }
    if (event.routeKey === 'GET /') {
      return respond(event, readIndex(), CONTENT_TYPES['.html'] as string, 'no-cache');
    }
    const name = event.pathParameters?.file ?? '';
    const asset = event.routeKey === 'GET /assets/{file}' && ASSET_NAME.test(name) ? readAsset(name) : null;
    if (!asset) {
      return problemResponse(
        problem(404, `No console asset ${name}. Reload the page: the console was updated.`),
      );
    }
    const contentType = CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream';
    return respond(event, asset, contentType, 'public, max-age=31536000, immutable');
  });
