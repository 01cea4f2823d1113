import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateApiFiles } from '#client/generate.ts';
import { ROUTES, type RouteSpec } from '#functions/routes.ts';
import { handler } from '#functions/web-console.ts';
import { assertDocumentedResponse } from '#test/support/api-document.ts';
import { httpEvent, lambdaContext, parseResponse } from '#test/support/events.ts';

interface Operation {
  summary?: string;
  description?: string;
  security: Record<string, string[]>[];
  responses: Record<string, unknown>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

const committed = JSON.parse(await readFile(path.resolve('docs/openapi.json'), 'utf8')) as Document;

describe('the OpenAPI document', () => {
  it('is up to date: docs/openapi.json and client/api-types.ts are what `npm run openapi` writes', async () => {
    for (const [file, content] of Object.entries(await generateApiFiles())) {
      const onDisk = await readFile(path.resolve(file), 'utf8').catch(() => '');
      expect(onDisk === content, `${file} is out of date: run npm run openapi and commit it`).toBe(true);
    }
  });

  it.each(ROUTES.map((route: RouteSpec) => [`${route.method} ${route.path}`, route] as const))(
    '%s is described, with its scope as the security requirement',
    (_, route) => {
      const operation = committed.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, 'describe it in functions/http/openapi/route-docs.ts').toBeDefined();
      expect(operation?.summary).toBeTruthy();
      expect(operation?.description).toBeTruthy();
      // A partner user's route needs a token but no scope (functions/http/access.ts admits partner users).
      const partner = 'partner' in route && route.partner === true;
      expect(operation?.security).toEqual(
        route.scope ? [{ jwt: [route.scope] }] : partner ? [{ jwt: [] }] : [],
      );
      if (route.scope || partner)
        expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
      expect(Object.keys(operation?.responses ?? {}).some((status) => status.startsWith('2'))).toBe(true);
    },
  );

  it('describes nothing that is not a route', () => {
    const described = Object.entries(committed.paths).flatMap(([p, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${p}`),
    );
    expect(described.sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });
});

describe('GET /openapi.json and GET /docs (web-console function)', () => {
  async function get<T>(route: 'GET /openapi.json' | 'GET /docs') {
    const response = parseResponse<T>(await handler(httpEvent(route), lambdaContext('web-console')));
    assertDocumentedResponse(route, response);
    return response;
  }

  it('serves the committed document, gzipped when accepted', async () => {
    const response = await get('GET /openapi.json');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(committed);
    const gzipped = await handler(
      httpEvent('GET /openapi.json', { headers: { 'accept-encoding': 'gzip' } }),
      lambdaContext('web-console'),
    );
    expect(gzipped.headers?.['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(Buffer.from(gzipped.body ?? '', 'base64')).toString('utf8'))).toEqual(
      committed,
    );
  });

  it('serves a self-contained reference page naming every route and its scope', async () => {
    const response = await get<string>('GET /docs');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const route of ROUTES) expect(response.body).toContain(`<code>${route.path}</code>`);
    expect(response.body).toContain('Scope <code>partners/write</code>');
    expect(response.body).not.toMatch(/<script|src="http/);
    // The CSP allows the page's one inline style sheet by its hash, nothing else.
    const style = /<style>([^<]*)<\/style>/.exec(response.body)?.[1] ?? '';
    const hash = createHash('sha256').update(style).digest('base64');
    expect(response.headers['content-security-policy']).toContain(`style-src 'sha256-${hash}'`);
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
  });
});
