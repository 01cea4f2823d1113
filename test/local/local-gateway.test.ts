import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeEventKey } from '#core/imports/import-keys.ts';
import { SEED_PRESET } from '#core/model/presets.ts';
import { applyCors, matchRoute, toHttpApiEvent } from '#infra/local/http-gateway.ts';
import { functionNameOf } from '#infra/local/lambda-invoke-server.ts';
import { isImportUpload, toS3Event } from '#infra/local/s3-trigger.ts';
import { readLocalSettings } from '#infra/local/settings.ts';

describe('route matching (API Gateway rules)', () => {
  it('prefers a literal segment over a parameter and decodes parameters', () => {
    expect(matchRoute('GET', '/runs/latest')?.route.path).toBe('/runs/latest');
    expect(matchRoute('GET', '/runs/r-1')).toMatchObject({
      route: { path: '/runs/{runId}' },
      pathParameters: { runId: 'r-1' },
    });
    expect(matchRoute('GET', '/partners/ACME%20GmbH%2FEU/history')).toMatchObject({
      route: { path: '/partners/{id}/history', function: 'query-api' },
      pathParameters: { id: 'ACME GmbH/EU' },
    });
    expect(matchRoute('DELETE', '/partners/a')?.route.function).toBe('ingest-api');
  });

  it('finds nothing for unknown paths, wrong methods, empty or undecodable parameters', () => {
    expect(matchRoute('GET', '/nope')).toBeNull();
    expect(matchRoute('PATCH', '/partners/a')).toBeNull();
    expect(matchRoute('GET', '/partners/')).toBeNull();
    expect(matchRoute('GET', '/partners/%E0%A4%A')).toBeNull();
    expect(matchRoute('GET', '/health/')).toBeNull();
  });
});

describe('HTTP API v2 event', () => {
  function request(url: string, rawHeaders: string[], method = 'GET'): IncomingMessage {
    const socket = new Socket();
    Object.defineProperty(socket, 'remoteAddress', { value: '::ffff:10.0.0.7' });
    return { url, method, rawHeaders, httpVersion: '1.1', socket } as unknown as IncomingMessage;
  }

  it('carries the route key, raw and parsed query, lowercased headers, cookies and a text body', () => {
    const match = matchRoute('GET', '/rankings');
    if (!match) throw new Error('no route');
    const event = toHttpApiEvent(
      request('/rankings?limit=5&tier=Gold&tier=Silver&q=a%20b', [
        'Host',
        'localhost:3000',
        'X-Trace',
        'one',
        'x-trace',
        'two',
        'Cookie',
        'a=1; b=2',
        'Content-Type',
        'application/json',
      ]),
      match,
      Buffer.from('{"x":1}'),
      new Date('2026-11-24T21:38:20.123Z'),
    );
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /rankings',
      rawPath: '/rankings',
      rawQueryString: 'limit=5&tier=Gold&tier=Silver&q=a%20b',
      queryStringParameters: { limit: '5', tier: 'Gold,Silver', q: 'a b' },
      headers: { host: 'localhost:3000', 'x-trace': 'one,two', 'content-type': 'application/json' },
      cookies: ['a=1', 'b=2'],
      body: '{"x":1}',
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'GET', path: '/rankings', sourceIp: '10.0.0.7' },
        routeKey: 'GET /rankings',
        time: '24/Nov/2026:21:38:20 +0000',
        timeEpoch: Date.parse('2026-11-24T21:38:20.123Z'),
      },
    });
    expect(event.pathParameters).toBeUndefined();
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('base64-encodes a binary body and leaves out an empty one', () => {
    const match = matchRoute('POST', '/partners');
    if (!match) throw new Error('no route');
    const binary = toHttpApiEvent(
      request('/partners', ['Content-Type', 'application/octet-stream'], 'POST'),
      match,
      Buffer.from([0, 255, 1]),
    );
    expect(binary).toMatchObject({ body: 'AP8B', isBase64Encoded: true });
    const empty = toHttpApiEvent(request('/partners', [], 'POST'), match, Buffer.alloc(0));
    expect(empty.body).toBeUndefined();
    expect(empty.isBase64Encoded).toBe(false);
  });
});

describe('S3 upload trigger', () => {
  const record = (key: string, bucket = 'partner-scoring-local', eventName = 'ObjectCreated:Put') => ({
    eventName,
    eventTime: '2026-11-24T21:00:00.000Z',
    s3: { bucket: { name: bucket }, object: { key, size: 42, eTag: '0123abcd' } },
  });

  it('encodes keys as S3 notifications do (space as +, slashes kept)', () => {
    expect(encodeEventKey('imports/my partners (v2).csv')).toBe('imports/my+partners+%28v2%29.csv');
    expect(encodeEventKey('imports/a+b*é.csv')).toBe('imports/a%2Bb*%C3%A9.csv');
    expect(decodeURIComponent(encodeEventKey('imports/x y+z.csv').replace(/\+/g, ' '))).toBe(
      'imports/x y+z.csv',
    );
  });

  it('forwards only CSV uploads under imports/ in our bucket', () => {
    expect(isImportUpload(record('imports/a.csv'), 'partner-scoring-local')).toBe(true);
    expect(isImportUpload(record('imports/a.csv', 'other'), 'partner-scoring-local')).toBe(false);
    expect(isImportUpload(record('reports/a.csv'), 'partner-scoring-local')).toBe(false);
    expect(isImportUpload(record('imports/a.txt'), 'partner-scoring-local')).toBe(false);
    // Both cases S3 is configured for; a mixed-case suffix is not delivered on AWS either.
    expect(isImportUpload(record('imports/A.CSV'), 'partner-scoring-local')).toBe(true);
    expect(isImportUpload(record('imports/a.Csv'), 'partner-scoring-local')).toBe(false);
    expect(
      isImportUpload(record('imports/a.csv', undefined, 'ObjectRemoved:Delete'), 'partner-scoring-local'),
    ).toBe(false);
  });

  it('reshapes an s3rver event into the S3 notification Lambda receives', () => {
    const event = toS3Event(record('imports/my file.csv'), 'us-east-1');
    expect(event.Records).toHaveLength(1);
    expect(event.Records[0]).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: 'partner-scoring-local', arn: 'arn:aws:s3:::partner-scoring-local' },
        object: { key: 'imports/my+file.csv', size: 42, eTag: '0123abcd' },
      },
    });
    expect(event.Records[0]?.s3.object.sequencer).toMatch(/^[0-9A-F]{16}$/);
  });
});

describe('local settings and samples', () => {
  it('uses the contract defaults and free ports everywhere with PORT=0', () => {
    expect(readLocalSettings({})).toMatchObject({
      port: 3000,
      dataDir: path.resolve('.data'),
      rescoreCron: '0 2 * * *',
      dynamoPort: 4567,
      s3Port: 4568,
      lambdaPort: 4569,
    });
    expect(readLocalSettings({ PORT: '0' })).toMatchObject({
      port: 0,
      dynamoPort: 0,
      s3Port: 0,
      lambdaPort: 0,
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => readLocalSettings({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => readLocalSettings({ RESCORE_CRON: 'every night' })).toThrow(/RESCORE_CRON/);
  });

  it('resolves function names and ARNs as Lambda Invoke accepts them', () => {
    expect(functionNameOf('rescore')).toBe('rescore');
    expect(functionNameOf('rescore:live')).toBe('rescore');
    expect(functionNameOf('arn:aws:lambda:us-east-1:123456789012:function:import-csv:3')).toBe('import-csv');
  });

  it('ships the seed preset as samples/seed-model.json', async () => {
    const file = JSON.parse(await readFile(path.resolve('samples/seed-model.json'), 'utf8'));
    expect(file).toEqual(SEED_PRESET);
  });
});

describe('CORS of the local gateway (as API Gateway with corsPreflight)', () => {
  it('allows only the configured origins, answers preflights with 204 and exposes ETag and Link', async () => {
    const origins = readLocalSettings({
      CORS_ALLOWED_ORIGINS: 'https://crm.example.org,http://localhost:5173',
    }).corsAllowedOrigins;
    const server = createServer((request, response) => {
      if (applyCors(request, response, origins)) return;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rankings`;
    try {
      const allowed = await fetch(url, { headers: { origin: 'https://crm.example.org' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://crm.example.org');
      expect(allowed.headers.get('vary')).toBe('origin');
      expect(allowed.headers.get('access-control-expose-headers')).toBe('etag,link,retry-after');
      const other = await fetch(url, { headers: { origin: 'https://evil.example.com' } });
      expect(other.status).toBe(200);
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(url, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PUT' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(preflight.headers.get('access-control-allow-headers')).toBe(
        'authorization,content-type,if-none-match',
      );
      expect(preflight.headers.get('access-control-max-age')).toBe('3600');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(readLocalSettings({}).corsAllowedOrigins).toEqual(['*']);
    expect(() => readLocalSettings({ CORS_ALLOWED_ORIGINS: 'crm.example.org' })).toThrow(
      /CORS_ALLOWED_ORIGINS/,
    );
  });
});
