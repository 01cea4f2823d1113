import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Event } from '#test/support/events.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { importHarness } from '#test/workflows/import/import-harness.ts';

let servers: LocalServers;
let h: Awaited<ReturnType<typeof importHarness>>;
beforeAll(async () => {
  servers = await startLocalServers();
  h = await importHarness(servers);
});
afterAll(async () => {
  await servers.stop();
});

interface Results {
  results: { id: string; status: string; score: number | null; tier: string | null; provisional: boolean }[];
}
interface ProblemBody {
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

describe('POST /partners', () => {
  it('creates, updates, leaves unchanged and refuses stale data (one partner object)', async () => {
    const post = (body: unknown) => h.call<Results>('POST /partners', { body });
    const created = await post({ id: 'p1', metrics: { Sales: 10 }, asOf: '2024-05-01T00:00:00Z' });
    expect(created.status).toBe(200);
    expect(created.body.results).toEqual([
      { id: 'p1', status: 'created', score: null, tier: null, provisional: true },
    ]);
    const updated = await post({ id: 'p1', metrics: { sales: 11 }, asOf: '2024-05-02' });
    expect(updated.body.results[0]?.status).toBe('updated');
    const unchanged = await post({ id: 'p1', metrics: { sales: 11 }, asOf: '2024-05-03' });
    expect(unchanged.body.results[0]?.status).toBe('unchanged');
    const stale = await post({ id: 'p1', metrics: { sales: 1 }, asOf: '2024-04-01' });
    expect(stale.body.results[0]).toMatchObject({ status: 'stale', score: null });
    expect(await h.partners.get('p1')).toMatchObject({
      metrics: { sales: 11 },
      asOf: '2024-05-03T00:00:00.000Z',
    });
  });

  it('merges: given metrics overwrite, null removes, missing ones stay; name defaults to the id', async () => {
    await h.call('POST /partners', {
      body: { id: 'm1', type: 'Reseller', metrics: { sales: 1, reputation: 2, communication_frequency: 3 } },
    });
    await h.call('POST /partners', { body: { id: 'm1', metrics: { sales: 5, reputation: null } } });
    expect(await h.partners.get('m1')).toMatchObject({
      name: 'm1',
      type: 'Reseller',
      metrics: { sales: 5, communicationfrequency: 3 },
    });
  });

  it('applies a batch in order: a repeated id ends with its last item', async () => {
    const response = await h.call<Results>('POST /partners', {
      body: {
        partners: [
          { id: 'b1', metrics: { sales: 1 } },
          { id: 'b2', metrics: { sales: 2 } },
          { id: 'b1', metrics: { sales: 3 } },
        ],
      },
    });
    expect(response.body.results.map((r) => [r.id, r.status])).toEqual([
      ['b1', 'created'],
      ['b2', 'created'],
      ['b1', 'updated'],
    ]);
    expect((await h.partners.get('b1'))?.metrics.sales).toBe(3);
  });

  it('validates every item first and writes nothing when one is invalid', async () => {
    const response = await h.call<ProblemBody>('POST /partners', {
      body: {
        partners: [
          { id: 'v-ok', metrics: { sales: 1 } },
          { id: 'v-bad', metrics: { sales: 'many' } },
          { id: 'x'.repeat(129) },
          { id: 'v-unknown', metrics: { revenue: 3 } },
          { id: 'v-date', asOf: '2024-02-30' },
          { id: 'tab\there' },
          { id: 'v-huge', metrics: { sales: 1e200 } },
        ],
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors?.map((e) => e.path)).toEqual([
      '/partners/1/metrics/sales',
      '/partners/2/id',
      '/partners/3/metrics/revenue',
      '/partners/4/asOf',
      '/partners/5/id',
      '/partners/6/metrics/sales',
    ]);
    expect(response.body.errors?.[2]?.message).toContain(
      'sales, transactions, reputation, communicationFrequency, commonCustomers',
    );
    expect(await h.partners.get('v-ok')).toBeNull();
  });

  it('refuses more than 1,000 partners and an empty or non-object body', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `n${i}` }));
    const tooMany = await h.call<ProblemBody>('POST /partners', { body: { partners: many } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors?.[0]?.path).toBe('/partners');
    expect((await h.call('POST /partners')).status).toBe(400);
    expect((await h.call('POST /partners', { body: [1, 2] })).status).toBe(400);
  });

  it('answers malformed JSON, a wrong content type and an oversized body with problem+json 4xx', async () => {
    const malformed = await h.call<ProblemBody>('POST /partners', { body: '{"id": "x",' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toBe('application/problem+json');
    const wrongType = await h.call('POST /partners', {
      body: 'id=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongType.status).toBe(415);
    const oversized = await h.call('POST /partners', { body: `{"id":"${'x'.repeat(6 * 1024 * 1024)}"}` });
    expect(oversized.status).toBe(413);
  });
});

describe('DELETE /partners/{id}', () => {
  it('deletes a partner (204), then 404; a bad id in the path is a 400', async () => {
    await h.call('POST /partners', { body: { id: 'gone', metrics: { sales: 1 } } });
    expect((await h.call('DELETE /partners/{id}', { pathParameters: { id: 'gone' } })).status).toBe(204);
    expect(await h.partners.get('gone')).toBeNull();
    expect((await h.call('DELETE /partners/{id}', { pathParameters: { id: 'gone' } })).status).toBe(404);
    const bad = await h.call<ProblemBody>('DELETE /partners/{id}', { pathParameters: { id: 'a\u0000b' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.path).toBe('/path/id');
  });
});

describe('POST /imports and GET /imports/{importId}', () => {
  it('gives a presigned upload URL; the uploaded file is imported and its status and report readable', async () => {
    const created = await h.call<{ importId: string; uploadUrl: string; expiresAt: string }>('POST /imports');
    expect(created.status).toBe(201);
    const { importId, uploadUrl, expiresAt } = created.body;
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    expect((await h.call('GET /imports/{importId}', { pathParameters: { importId } })).body).toMatchObject({
      importId,
      status: 'pending',
      rowsTotal: 0,
      errorReport: null,
    });

    const upload = await fetch(uploadUrl, { method: 'PUT', body: 'id,sales\nu1,1\nu2,bad\n' });
    expect(upload.status).toBe(200);
    const etag = (upload.headers.get('etag') ?? '').replaceAll('"', '');
    await h.invoke(s3Event({ bucket: h.bucket, key: `imports/${importId}.csv`, eTag: etag }));

    const status = await h.call<{ status: string; errorReport: string; errors: unknown[] }>(
      'GET /imports/{importId}',
      {
        pathParameters: { importId },
      },
    );
    expect(status.body).toMatchObject({
      importId,
      status: 'completed',
      rowsTotal: 2,
      rowsImported: 1,
      rowsRejected: 1,
      warnings: [],
      errors: [{ line: 3, column: 'sales', message: '"bad" is not a plain decimal number' }],
    });
    const report = await fetch(status.body.errorReport);
    expect(await report.text()).toContain('3,sales,"""bad"" is not a plain decimal number",u2,bad');
  });

  it('404 for an unknown import, 400 for an id that cannot be one', async () => {
    expect((await h.call('GET /imports/{importId}', { pathParameters: { importId: 'nope' } })).status).toBe(
      404,
    );
    const bad = await h.call('GET /imports/{importId}', { pathParameters: { importId: 'a/b\u0001' } });
    expect(bad.status).toBe(400);
  });
});
