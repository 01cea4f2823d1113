import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, type ConsoleBuild } from '#infra/build-console.ts';

let built: ConsoleBuild;
let handler: (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let pickEncoding: (header: string | undefined) => string;

const context = { functionName: 'web-console', awsRequestId: 'r-1' } as Context;

function get(routeKey: string, headers: Record<string, string> = {}, file?: string) {
  return handler(
    {
      version: '2.0',
      routeKey,
      rawPath: file ? `/assets/${file}` : '/',
      rawQueryString: '',
      headers,
      ...(file === undefined ? {} : { pathParameters: { file } }),
      requestContext: { http: { method: 'GET', path: '/' }, requestId: 'r-1', routeKey },
      isBase64Encoded: false,
    },
    context,
  );
}

const bodyOf = (response: APIGatewayProxyStructuredResultV2) =>
  Buffer.from(response.body ?? '', response.isBase64Encoded ? 'base64' : 'utf8');

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'web-console-'));
  built = await buildConsole(dir);
  process.env.CONSOLE_ASSETS_DIR = dir;
  process.env.CONSOLE_CONNECT_SRC = 'http://127.0.0.1:9000';
  process.env.CONSOLE_AUTH = JSON.stringify({
    issuer: 'https://issuer',
    domain: 'https://login',
    clientId: 'c"1',
  });
  ({ handler, pickEncoding } = await import('#functions/web-console.ts'));
});

afterAll(async () => {
  await rm(built.dir, { recursive: true, force: true });
});

describe('web-console', () => {
  it('builds content-hashed JavaScript and CSS under 100 KB gzipped, named by index.html', async () => {
    const html = await readFile(path.join(built.dir, 'index.html'), 'utf8');
    const scripts = built.assets.filter((name) => /^app-[A-Z0-9]+\.js$/.test(name));
    const styles = built.assets.filter((name) => /^app-[A-Z0-9]+\.css$/.test(name));
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    expect(html).toContain(`src="/assets/${scripts[0]}"`);
    expect(html).toContain(`href="/assets/${styles[0]}"`);
    expect(built.gzBytes).toBeGreaterThan(1000);
    expect(built.gzBytes).toBeLessThanOrEqual(100_000);
  });

  it('GET / is index.html, never cached, brotli when accepted, with a strict CSP and the sign-in settings', async () => {
    const response = await get('GET /', { 'accept-encoding': 'gzip, deflate, br' });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'content-encoding': 'br',
      vary: 'Accept-Encoding',
    });
    const csp = String(response.headers?.['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:9000");
    expect(csp).not.toContain('unsafe');
    const html = brotliDecompressSync(bodyOf(response)).toString('utf8');
    expect(html).toContain('<div id="app"></div>');
    // The settings are an attribute, escaped: no inline script.
    expect(html).toContain('<meta name="console-auth" content="{&quot;issuer&quot;');
    expect(html).toContain('c\\&quot;1');
    expect(html).not.toMatch(/<script>/);
  });

  it('GET /assets/{file}: gzip or identity as accepted, cached as immutable', async () => {
    const name = built.assets.find((asset) => asset.endsWith('.js')) as string;
    const original = await readFile(path.join(built.dir, 'assets', name));
    const gzipped = await get('GET /assets/{file}', { 'accept-encoding': 'gzip' }, name);
    expect(gzipped.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      'content-encoding': 'gzip',
    });
    expect(gunzipSync(bodyOf(gzipped)).equals(original)).toBe(true);
    const plain = await get('GET /assets/{file}', {}, name);
    expect(plain.headers?.['content-encoding']).toBeUndefined();
    expect(bodyOf(plain).equals(original)).toBe(true);
  });

  it('answers an unknown or unsafe asset name with a 404 problem', async () => {
    for (const file of ['app-NOPE.js', '..', '.hidden', 'a'.repeat(200)]) {
      const response = await get('GET /assets/{file}', {}, file);
      expect(response.statusCode, file).toBe(404);
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(String(response.body)).detail).toMatch(/Reload the page/);
    }
  });

  it('remembers no unknown name: a later file of that name is served, a precompressed copy is no asset', async () => {
    const name = built.assets.find((asset) => asset.endsWith('.js')) as string;
    const assets = path.join(built.dir, 'assets');
    // A name asked for before its file exists (a console deployed while a page was open).
    const late = 'app-LATE.js';
    expect((await get('GET /assets/{file}', {}, late)).statusCode).toBe(404);
    for (const suffix of ['', '.gz', '.br'])
      await copyFile(path.join(assets, `${name}${suffix}`), path.join(assets, `${late}${suffix}`));
    const served = await get('GET /assets/{file}', {}, late);
    expect(served.statusCode).toBe(200);
    expect(bodyOf(served).equals(await readFile(path.join(assets, name)))).toBe(true);
    // The gzip copy of an asset is not an asset of its own (it was a 500: its own `.gz` is missing).
    expect((await get('GET /assets/{file}', {}, `${name}.gz`)).statusCode).toBe(404);
  });

  it('picks the encoding the request accepts, honouring q=0', () => {
    expect(pickEncoding(undefined)).toBe('identity');
    expect(pickEncoding('gzip, br;q=0')).toBe('gzip');
    expect(pickEncoding('br;q=0.5, gzip')).toBe('br');
    expect(pickEncoding('*')).toBe('br');
    expect(pickEncoding('deflate')).toBe('identity');
  });
});
