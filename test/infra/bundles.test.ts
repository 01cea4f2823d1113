import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction } from '#infra/bundle-function.ts';
import { PROJECT_ROOT, SERVICE_FUNCTION_NAMES } from '#infra/service-functions.ts';

// The deployed artefact, not the sources: an ESM bundle must load (CommonJS dependencies need the
// `createRequire` banner) and find `@aws-sdk/*` outside itself, as the Lambda runtime provides it.
describe('Lambda bundles', () => {
  let dir: string;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'partner-scoring-bundles-'));
    await symlink(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });
  afterAll(async () => {
    process.env = savedEnv;
    await rm(dir, { recursive: true, force: true });
  });

  it.each(SERVICE_FUNCTION_NAMES)(
    '%s loads as ESM and exports handler, with the SDK left out',
    async (name) => {
      const { file } = await bundleFunction(name, { outdir: path.join(dir, name), write: true });
      // The console's function serves files only and needs no SDK.
      if (name !== 'web-console')
        expect(await readFile(file, 'utf8')).toMatch(/from"@aws-sdk\/client-dynamodb"/);
      const bundled = await import(file);
      expect(typeof bundled.handler).toBe('function');
    },
  );

  it('answers GET /health from the query-api bundle', async () => {
    const { file } = await bundleFunction('query-api', { outdir: path.join(dir, 'health'), write: true });
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      TABLE_NAME: 'partners',
      BUCKET_NAME: 'partner-imports',
      CURSOR_SECRET: 'a-cursor-secret-of-enough-length',
    });
    const { handler } = (await import(file)) as {
      handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    const response = await handler(
      {
        version: '2.0',
        routeKey: 'GET /health',
        rawPath: '/health',
        rawQueryString: '',
        headers: {},
        requestContext: {
          http: { method: 'GET', path: '/health' },
          routeKey: 'GET /health',
          requestId: 'r-1',
        },
        isBase64Encoded: false,
      },
      {
        functionName: 'query-api',
        functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:query-api',
        memoryLimitInMB: '1024',
        awsRequestId: 'req-1',
        getRemainingTimeInMillis: () => 29_000,
      },
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
  });
});
