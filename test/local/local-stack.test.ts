import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '#core/adapters/aws-clients.ts';
import { routeKey } from '#functions/routes.ts';
import { matchRoute } from '#infra/local/http-gateway.ts';
import { type StackProcess, startStackProcess } from '#infra/local/stack-process.ts';
import { assertDocumentedResponse } from '#test/support/api-document.ts';

// The README walkthrough, driven over HTTP against `npm start`'s entry in a child process.
const seedCsv = await readFile(path.resolve('samples/seed-partners.csv'));
const seedModel = JSON.parse(await readFile(path.resolve('samples/seed-model.json'), 'utf8'));
// Never fires during the test: the schedule is exercised by its cron pattern only.
const env = { RESCORE_CRON: '0 2 31 2 *', SHUTDOWN_GRACE_MS: '5000' };

interface RunRecord {
  runId: string;
  status: string;
  partners: number;
  modelVersion: number;
}

let dataDir: string;
let stack: StackProcess;

async function call(method: string, route: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${route}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const received = {
    status: response.status,
    contentType: response.headers.get('content-type'),
    // biome-ignore lint/suspicious/noExplicitAny: assertions read the JSON bodies
    body: (text === '' ? undefined : JSON.parse(text)) as any,
  };
  // A route of the table must answer as docs/openapi.json says (unknown paths are the gateway's 404).
  const match = matchRoute(method, new URL(route, stack.apiUrl).pathname);
  if (match) {
    assertDocumentedResponse(routeKey(match.route), {
      ...received,
      headers: { 'content-type': received.contentType ?? undefined },
    });
  }
  return received;
}

/** Runs `npm run cli -- …`'s entry against the stack; colours off so the output can be matched. */
async function cli(...args: string[]) {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'infra/local/cli.ts', ...args],
        { env: { ...process.env, API_URL: stack.apiUrl, NO_COLOR: '1' }, timeout: 30_000 },
        (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
      );
    },
  );
  return { code, stdout, stderr };
}

/** Polls until `done` holds for the response body, or fails with the last body seen. */
async function until(route: string, done: (body: Record<string, unknown>) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const response = await call('GET', route);
    last = response.body;
    if (response.status === 200 && done(response.body)) return response.body;
    await sleep(200);
  }
  throw new Error(`GET ${route} did not reach the expected state; last: ${JSON.stringify(last)}`);
}

const completedRun = (runId?: string) => (run: Record<string, unknown>) =>
  run.status === 'completed' && (runId === undefined || run.runId === runId);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'local-stack-'));
  stack = await startStackProcess(dataDir, env);
});

afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start: the README walkthrough over HTTP', () => {
  let firstRun: RunRecord;

  it('answers health, an empty ranking, and problem+json for unknown routes and oversized bodies', async () => {
    expect(await call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call('GET', '/rankings')).toMatchObject({ status: 200, body: { runId: null, items: [] } });
    const unknown = await call('GET', '/nowhere');
    expect(unknown).toMatchObject({
      status: 404,
      contentType: 'application/problem+json',
      body: { status: 404 },
    });
    const big = await fetch(`${stack.apiUrl}/partners`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(6 * 1024 * 1024 + 1),
    });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toBe('application/problem+json');
  });

  it('has no partner identity without LOCAL_AUTH: /me routes answer 401', async () => {
    for (const route of ['/me', '/me/scorecard', '/me/scorecard/history', '/me/users']) {
      expect(await call('GET', route), route).toMatchObject({
        status: 401,
        contentType: 'application/problem+json',
      });
    }
  });

  it('answers CORS preflights itself and adds CORS headers for another origin, as API Gateway does', async () => {
    const origin = 'https://crm.example.org';
    const preflight = await fetch(`${stack.apiUrl}/partners`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')?.split(',')).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE']),
    );
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const get = await fetch(`${stack.apiUrl}/rankings`, { headers: { origin } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
    expect(get.headers.get('access-control-expose-headers')?.split(',')).toEqual(
      expect.arrayContaining(['etag', 'link']),
    );
  });

  it('imports the sample CSV through a presigned URL, then a run ranks it', async () => {
    const created = await call('POST', '/imports');
    expect(created.status).toBe(201);
    const upload = await fetch(created.body.uploadUrl, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: seedCsv,
    });
    expect(upload.status).toBe(200);

    const done = await until(`/imports/${created.body.importId}`, (body) =>
      ['completed', 'failed'].includes(body.status as string),
    );
    expect(done).toMatchObject({ status: 'completed', rowsTotal: 4, rowsImported: 4, rowsRejected: 0 });

    firstRun = (await until('/runs/latest', completedRun())) as unknown as RunRecord;
    expect(firstRun.partners).toBe(4);
    const ranking = await call('GET', '/rankings?limit=10');
    expect(ranking.body.runId).toBe(firstRun.runId);
    expect(ranking.body.items.map((item: { id: string }) => item.id)).toEqual([
      'PartnerD',
      'PartnerB',
      'PartnerC',
      'PartnerA',
    ]);
  });

  it("explains a partner's score", async () => {
    const partner = await call('GET', '/partners/PartnerD');
    expect(partner.status).toBe(200);
    expect(partner.body.score).toMatchObject({ rank: 1, runId: firstRun.runId, coverage: 1 });
    expect(partner.body.score.breakdown).toHaveLength(5);
    expect((await call('GET', '/partners/Nobody')).status).toBe(404);
  });

  it('previews the seed model, activates it, and the new run gives the seed scores', async () => {
    const preview = await call('POST', '/model/preview', seedModel);
    expect(preview.status).toBe(200);
    expect(preview.body.partners).toBe(4);

    const activated = await call('PUT', '/model', seedModel);
    expect(activated.status).toBe(200);
    await until(`/runs/${activated.body.runId}`, completedRun(activated.body.runId));
    const ranking = await call('GET', '/rankings');
    const scores = Object.fromEntries(
      ranking.body.items.map((item: { id: string; score: number }) => [item.id, item.score]),
    );
    expect(scores.PartnerD).toBeCloseTo(6054.1, 6);
    expect(scores.PartnerB).toBeCloseTo(4042.5, 6);
    expect(scores.PartnerC).toBeCloseTo(3034.9, 6);
    expect(scores.PartnerA).toBeCloseTo(2030.3, 6);

    const invalid = await call('PUT', '/model', { ...seedModel, metrics: [] });
    expect(invalid).toMatchObject({ status: 400, contentType: 'application/problem+json' });
  });

  it('answers the CLI the README uses: tables on success, the problem detail and exit 1 on errors', async () => {
    const rank = await cli('rank', '--top', '2');
    expect(rank.code).toBe(0);
    expect(rank.stdout).toMatch(/PartnerD.*6,054\.1.*Platinum/);
    expect(rank.stdout).toMatch(/PartnerB.*4,042\.5/);
    const missing = await cli('partner', 'Nobody');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('GET /partners/Nobody: 404');
  });

  it("keeps every run in a partner's history and writes events.ndjson", async () => {
    const history = await call('GET', '/partners/PartnerA/history');
    expect(history.body.items).toHaveLength(2);
    expect(history.body.items[1].runId).toBe(firstRun.runId);

    const events = (await readFile(path.join(dataDir, 'events.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.filter((event) => event['detail-type'] === 'RescoreCompleted')).toHaveLength(2);
    expect(events[0]).toMatchObject({ source: 'partner-scoring' });
  });

  it('imports a CSV uploaded straight to the bucket, like `aws s3 cp`', async () => {
    const s3 = createS3Client({
      endpoint: stack.s3Endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: 'partner-scoring-local',
        Key: 'imports/new partners.csv',
        Body: 'id;name;sales\nPartnerE;Partner E;12345\n',
      }),
    );
    s3.destroy();
    const partner = await until('/partners/PartnerE', (body) => body.id === 'PartnerE');
    expect(partner).toMatchObject({ name: 'Partner E', metrics: { sales: 12345 } });
  });

  it('records who wrote (`local` without LOCAL_AUTH) in GET /audit and in DATA_DIR/access.ndjson', async () => {
    expect((await call('GET', '/health')).status).toBe(200);
    // Writes that change no partner (the walkthrough counts them): an upsert older than the stored
    // data (stale) and a file whose only row is rejected.
    const stale = { id: 'PartnerE', metrics: { sales: 1 }, asOf: '2000-01-01T00:00:00Z' };
    expect((await call('POST', '/partners', stale)).status).toBe(200);
    expect((await call('POST', '/imports')).status).toBe(201);
    const s3 = createS3Client({
      endpoint: stack.s3Endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: 'partner-scoring-local',
        Key: 'imports/audit-local.csv',
        Body: 'id,sales\n,1\n',
      }),
    );
    s3.destroy();
    const uploads = await until(
      '/audit?action=import.upload&target=import%2Faudit-local',
      (body) => Array.isArray(body.items) && body.items.length === 1,
    );
    expect(uploads.items).toEqual([expect.objectContaining({ subject: 'local', clientId: null })]);
    const audit = await call('GET', '/audit?limit=3');
    expect(audit.body.items).toEqual([
      expect.objectContaining({ action: 'import.upload' }),
      expect.objectContaining({ action: 'import.create', subject: 'local', clientId: 'local' }),
      expect.objectContaining({
        action: 'partner.upsert',
        target: 'partner/PartnerE',
        subject: 'local',
        clientId: 'local',
      }),
    ]);
    // The gateway writes a line once the answer is sent; the answers above are long received.
    const lines = (await readFile(path.join(dataDir, 'access.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.routeKey === 'POST /imports')).toMatchObject({
      status: 201,
      subject: 'local',
      clientId: 'local',
    });
    expect(lines.find((line) => line.routeKey === 'GET /health')).toMatchObject({
      status: 200,
      subject: null,
    });
  });

  it('starts a rescore on demand through the Lambda Invoke endpoint', async () => {
    const started = await call('POST', '/rescore');
    expect(started.status).toBe(202);
    const run = await until(`/runs/${started.body.runId}`, completedRun(started.body.runId));
    expect(run.partners).toBe(5);
  });

  it('serves Lambda Invoke to the SDK: RequestResponse returns the result, unknown functions are 404', async () => {
    const lambda = new LambdaClient({
      endpoint: stack.lambdaEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const health = {
      version: '2.0',
      routeKey: 'GET /health',
      rawPath: '/health',
      rawQueryString: '',
      headers: {},
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/health' }, requestId: 'r1' },
    };
    const output = await lambda.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:query-api',
        Payload: Buffer.from(JSON.stringify(health)),
      }),
    );
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBeUndefined();
    const result = JSON.parse(Buffer.from(output.Payload ?? []).toString());
    expect(result).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(result.body)).toEqual({ status: 'ok' });
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    lambda.destroy();
  });

  it('stops cleanly on SIGTERM and keeps its data across a restart', async () => {
    // The upload above may have left a follow-up run: compare rankings once runs have settled.
    await until('/runs/latest', completedRun());
    const before = await call('GET', '/rankings');
    expect(await stack.stop()).toBe(0);

    // The restart goes through `npm start` itself, and so does the SIGTERM that ends it.
    stack = await startStackProcess(dataDir, env, { viaNpm: true });
    const after = await call('GET', '/rankings');
    expect(after.body.runId).toBe(before.body.runId);
    expect(after.body.items).toEqual(before.body.items);
    expect((await call('GET', '/model')).body.version).toBe(2);
    expect(await stack.stop()).toBe(0);
  });

  it('starts again at once after a SIGKILL of its process group (the killed stack held the data dir)', async () => {
    stack = await startStackProcess(dataDir, env, { viaNpm: true });
    const before = await call('GET', '/rankings');
    await stack.kill();
    stack = await startStackProcess(dataDir, env, { viaNpm: true });
    expect((await call('GET', '/rankings')).body.items).toEqual(before.body.items);
    expect(await stack.stop()).toBe(0);
  });
});
