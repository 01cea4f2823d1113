import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionRunner } from '#infra/local/function-runner.ts';
import { createLambdaInvokeServer } from '#infra/local/lambda-invoke-server.ts';

/** What the functions behind the port were invoked with. */
const invoked: unknown[] = [];
const runner = new FunctionRunner({
  region: 'us-east-1',
  // No durable function is invoked here: the engine's directory is never created.
  durableDir: path.join(tmpdir(), 'lambda-invoke-port-unused'),
  load: async () => ({
    handler: async (event: unknown) => {
      invoked.push(event);
      return { ok: true };
    },
  }),
  onAsyncFailure: () => {},
});
const server = createLambdaInvokeServer(runner);
let port: number;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await runner.drain(1_000);
  await new Promise((resolve) => server.close(resolve));
});

/** A raw POST with exactly these headers (fetch would add its own `Sec-Fetch-Mode`). */
function post(path: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// What a web page in the developer's browser could send: a form or `fetch(…, { mode: 'no-cors' })`
// with a CORS-safelisted content type, so no preflight asks first.
const forgedDelete = JSON.stringify({
  routeKey: 'DELETE /partners/{id}',
  rawPath: '/partners/p-1',
  pathParameters: { id: 'p-1' },
  requestContext: { http: { method: 'DELETE' } },
});
const invokePath = '/2015-03-31/functions/ingest-api/invocations';

describe('the local Lambda Invoke port', () => {
  it('refuses a cross-site browser POST (text/plain, Origin, Sec-Fetch-*) and runs nothing', async () => {
    const response = await post(
      invokePath,
      {
        host: `127.0.0.1:${port}`,
        'content-type': 'text/plain;charset=UTF-8',
        origin: 'https://attacker.example',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'no-cors',
        'sec-fetch-dest': 'empty',
        'x-amz-invocation-type': 'RequestResponse',
      },
      forgedDelete,
    );
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({ __type: 'AccessDeniedException' });
    expect(invoked).toEqual([]);
  });

  it.each([
    ['an Origin alone', { origin: 'null', 'content-type': 'application/octet-stream' }],
    ['fetch metadata alone', { 'sec-fetch-site': 'same-site', 'content-type': 'application/octet-stream' }],
    [
      'a form content type (an old browser sends no fetch metadata)',
      { 'content-type': 'application/x-www-form-urlencoded' },
    ],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['no content type', {}],
  ])('refuses a request with %s', async (_, headers: Record<string, string>) => {
    const response = await post(invokePath, { host: `127.0.0.1:${port}`, ...headers }, forgedDelete);
    expect(response.status).toBe(403);
    expect(invoked).toEqual([]);
  });

  it('refuses a browser-made callback (a form post to succeed, an Origin on heartbeat)', async () => {
    const callback = '/2025-12-01/durable-execution-callbacks/YWJj/';
    const form = await post(
      `${callback}succeed`,
      { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' },
      'accepted=true',
    );
    expect(form.status).toBe(403);
    const heartbeat = await post(`${callback}heartbeat`, { host: `127.0.0.1:${port}`, origin: 'null' }, '');
    expect(heartbeat.status).toBe(403);
  });

  it('refuses a Host that is not its loopback address and port (DNS rebinding)', async () => {
    for (const host of ['attacker.example', `attacker.example:${port}`, `127.0.0.1:${port + 1}`]) {
      const response = await post(
        invokePath,
        { host, 'content-type': 'application/octet-stream' },
        forgedDelete,
      );
      expect(response.status, host).toBe(403);
    }
    expect(invoked).toEqual([]);
  });

  it('still serves the AWS SDK’s Lambda client (what the local stack itself sends)', async () => {
    for (const hostname of ['127.0.0.1', 'localhost']) {
      const client = new LambdaClient({
        region: 'us-east-1',
        endpoint: `http://${hostname}:${port}`,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      try {
        const sync = await client.send(
          new InvokeCommand({ FunctionName: 'ingest-api', Payload: Buffer.from(JSON.stringify({ n: 1 })) }),
        );
        expect(sync.StatusCode).toBe(200);
        expect(JSON.parse(Buffer.from(sync.Payload ?? []).toString('utf8'))).toEqual({ ok: true });
        const queued = await client.send(
          new InvokeCommand({
            FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:ingest-api',
            InvocationType: 'Event',
            Payload: Buffer.from(JSON.stringify({ n: 2 })),
          }),
        );
        expect(queued.StatusCode).toBe(202);
      } finally {
        client.destroy();
      }
    }
    expect(await runner.drain(10_000)).toBe(0);
    expect(invoked).toEqual([{ n: 1 }, { n: 2 }, { n: 1 }, { n: 2 }]);
  });
});
