import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoRunStore } from '#core/adapters/dynamo-run-store.ts';
import type { AuditStore } from '#core/audit/audit-log.ts';
import { keys } from '#core/keys.ts';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { logger } from '#core/observability.ts';
import { createHandler as createIngestHandler } from '#functions/ingest-api.ts';
import { httpEvent, lambdaContext, parseResponse } from '#test/support/events.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { importHarness } from '#test/workflows/import/import-harness.ts';

// Every write route records one audit item with the caller from the token; GET /audit reads them
// newest first, filtered and paged (contract §3, §7). Real handlers on dynalite and s3rver.

interface AuditItem {
  at: string;
  action: string;
  target: string;
  subject: string;
  clientId: string | null;
  detail: Record<string, unknown>;
}
interface AuditPage {
  items: AuditItem[];
  nextCursor: string | null;
}
interface Problem {
  status: number;
  errors?: { path: string; message: string }[];
}

const alice = { sub: 'alice-sub', client_id: 'crm-sync-client', token_use: 'access' };
const bob = { sub: 'bob-sub', client_id: 'console-client', token_use: 'access' };

let servers: LocalServers;
let h: Awaited<ReturnType<typeof importHarness>>;
beforeAll(async () => {
  servers = await startLocalServers();
  h = await importHarness(servers);
});
afterAll(async () => {
  await servers.stop();
});

const audit = (query: Record<string, string> = {}) => h.call<AuditPage>('GET /audit', { query });

/** Every audit item of the table, newest first, following the cursors. */
async function everything(query: Record<string, string> = {}): Promise<AuditItem[]> {
  const items: AuditItem[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: AuditPage } = await audit({
      ...query,
      ...(cursor ? { cursor } : {}),
    });
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

describe('every write route leaves one audit item with the token’s subject and client', () => {
  beforeAll(async () => {
    const single = await h.call('POST /partners', {
      body: { id: 'a-1', metrics: { sales: 1 } },
      claims: alice,
    });
    expect(single.status).toBe(200);
    const batch = await h.call('POST /partners', {
      body: { partners: Array.from({ length: 25 }, (_, i) => ({ id: `b-${i}`, metrics: { sales: i } })) },
      claims: bob,
    });
    expect(batch.status).toBe(200);
    expect(
      (await h.call('DELETE /partners/{id}', { pathParameters: { id: 'a-1' }, claims: alice })).status,
    ).toBe(204);
    expect((await h.call('PUT /model', { body: DEFAULT_MODEL, claims: bob })).status).toBe(200);
    expect(
      (
        await h.call('POST /model/versions/{version}/activate', {
          pathParameters: { version: '1' },
          claims: alice,
        })
      ).status,
    ).toBe(200);
    expect((await h.call('POST /rescore', { claims: bob })).status).toBe(202);
    expect((await h.call('POST /imports', { claims: alice })).status).toBe(201);
  });

  it('lists them newest first, each as the contract shows it', async () => {
    const items = await everything();
    expect(items.map((item) => [item.action, item.subject, item.clientId])).toEqual([
      ['import.create', 'alice-sub', 'crm-sync-client'],
      ['run.request', 'bob-sub', 'console-client'],
      ['model.activate', 'alice-sub', 'crm-sync-client'],
      ['model.update', 'bob-sub', 'console-client'],
      ['partner.delete', 'alice-sub', 'crm-sync-client'],
      ['partner.upsert', 'bob-sub', 'console-client'],
      ['partner.upsert', 'alice-sub', 'crm-sync-client'],
    ]);
    const times = items.map((item) => Date.parse(item.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(items.every((item) => Math.abs(Date.now() - Date.parse(item.at)) < 120_000)).toBe(true);
  });

  it('names what was written: one partner, a batch (ids bounded, the rest counted), a model version, a run, an import', async () => {
    const items = await everything();
    const byAction = (action: string) => items.filter((item) => item.action === action);
    const [batch, single] = byAction('partner.upsert');
    expect(single).toMatchObject({
      target: 'partner/a-1',
      detail: { items: 1, statuses: { created: 1 }, ids: ['a-1'] },
    });
    expect(batch?.target).toBe('partners');
    expect(batch?.detail).toMatchObject({ items: 25, statuses: { created: 25 }, idsNotListed: 5 });
    expect(batch?.detail.ids).toHaveLength(20);
    expect(byAction('partner.delete')[0]?.target).toBe('partner/a-1');
    const update = byAction('model.update')[0];
    expect(update?.target).toMatch(/^model\/\d+$/);
    expect(update?.detail.runId).toEqual(expect.any(String));
    const activate = byAction('model.activate')[0];
    expect(activate).toMatchObject({ detail: { activated: '1' } });
    expect(activate?.target).toMatch(/^model\/\d+$/);
    expect(activate?.target).not.toBe(update?.target);
    expect(byAction('run.request')[0]?.target).toBe('run/run-1');
    const created = byAction('import.create')[0];
    expect(created?.target).toMatch(/^import\/[0-9a-f-]{36}$/);
    expect(created?.detail.uploadUrlExpiresAt).toEqual(expect.any(String));
  });

  it('filters by action, by target, and by both', async () => {
    const upserts = await everything({ action: 'partner.upsert' });
    expect(upserts.map((item) => item.subject)).toEqual(['bob-sub', 'alice-sub']);
    const partner = await everything({ target: 'partner/a-1' });
    expect(partner.map((item) => item.action)).toEqual(['partner.delete', 'partner.upsert']);
    const both = await everything({ target: 'partner/a-1', action: 'partner.delete' });
    expect(both.map((item) => item.action)).toEqual(['partner.delete']);
    expect(await everything({ action: 'import.upload' })).toEqual([]);
    expect(await everything({ target: 'partner/nobody' })).toEqual([]);
  });

  it('pages with an opaque cursor bound to its query; a tampered or foreign cursor is a 400', async () => {
    const all = await everything();
    const first = await audit({ limit: '3' });
    expect(first.body.items).toEqual(all.slice(0, 3));
    const cursor = first.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const second = await audit({ limit: '3', cursor });
    expect(second.body.items).toEqual(all.slice(3, 6));
    const third = await audit({ limit: '3', cursor: second.body.nextCursor as string });
    expect(third.body.items).toEqual(all.slice(6));

    const foreign = await h.call<Problem>('GET /audit', { query: { cursor, action: 'partner.upsert' } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors?.[0]?.path).toBe('/query/cursor');
    const [payload, tag] = cursor.split('.') as [string, string];
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
    fields[2] = '~';
    const forged = `${Buffer.from(JSON.stringify(fields)).toString('base64url')}.${tag}`;
    const tampered = await h.call<Problem>('GET /audit', { query: { cursor: forged } });
    expect(tampered.status).toBe(400);
    expect(tampered.body.errors?.[0]?.path).toBe('/query/cursor');
  });

  it('keeps each item 400 days: the TTL attribute is set on the item and on its copies by action and target', async () => {
    const [latest] = (await audit({ limit: '1' })).body.items;
    const month = (latest?.at ?? '').slice(0, 7);
    const output = await servers.documentClient.send(
      new QueryCommand({
        TableName: h.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.auditLogPk(month) },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const item = output.Items?.[0] as Record<string, unknown>;
    expect(item.expiresAt).toBe(Math.floor(Date.parse(latest?.at ?? '') / 1000) + 400 * 24 * 3600);
    for (const pk of [
      keys.auditByActionPk(month, latest?.action ?? ''),
      keys.auditByTargetPk(month, latest?.target ?? ''),
    ]) {
      const copy = await servers.documentClient.send(
        new GetCommand({ TableName: h.table, Key: { pk, sk: item.sk } }),
      );
      expect(copy.Item?.expiresAt).toBe(item.expiresAt);
    }
  });
});

describe('what is not a write, or not by a token', () => {
  it('a rejected request (4xx) wrote nothing and leaves no audit item', async () => {
    const before = (await everything()).length;
    const invalid = await h.call('POST /partners', {
      body: { id: 'x', metrics: { sales: 'many' } },
      claims: alice,
    });
    expect(invalid.status).toBe(400);
    const missing = await h.call('DELETE /partners/{id}', {
      pathParameters: { id: 'nobody' },
      claims: alice,
    });
    expect(missing.status).toBe(404);
    expect(await everything()).toHaveLength(before);
  });

  it('a request without authorizer claims (a direct invocation) is recorded as anonymous', async () => {
    await h.call('POST /partners', { body: { id: 'anon-1', metrics: { sales: 1 } } });
    const [item] = await everything({ target: 'partner/anon-1' });
    expect(item).toMatchObject({ subject: 'anonymous', clientId: null });
  });
});

describe('an import started by an upload straight to the bucket', () => {
  it('is recorded with the S3 principal of the event, once per object version', async () => {
    const event = await h.upload('imports/raw-upload.csv', 'id,sales\nr-1,5\nr-2,6\n');
    await h.invoke(event);
    await h.invoke(event); // S3 delivers at least once
    const uploads = await everything({ action: 'import.upload' });
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({
      subject: 'AWS:TEST',
      clientId: null,
      target: 'import/raw-upload',
      detail: { key: 'imports/raw-upload.csv' },
    });
  });

  it('is recorded as `s3` when the event names no principal', async () => {
    const event = await h.upload('imports/raw-upload-2.csv', 'id,sales\nr-3,5\n');
    const [record] = event.Records;
    if (!record) throw new Error('the event has no record');
    const { userIdentity: _, ...anonymous } = record;
    await h.invoke({ Records: [anonymous as typeof record] });
    expect((await everything({ target: 'import/raw-upload-2' }))[0]).toMatchObject({
      action: 'import.upload',
      subject: 's3',
    });
  });
});

describe('a write that fails with a 5xx after it may have written part of its work', () => {
  it('is recorded with detail.failed, then answers its 5xx', async () => {
    const ingest = createIngestHandler(() => ({
      partners: h.partners,
      models: h.models,
      runs: new DynamoRunStore(servers.documentClient, h.table),
      imports: h.imports,
      objects: h.objects,
      requester: {
        request: async () => {
          throw new Error('the run store broke midway');
        },
      },
      worklist: h.worklist,
      audit: h.audit,
      now: Date.now,
    }));
    const response = parseResponse(
      (await ingest(httpEvent('POST /rescore', { claims: bob }), lambdaContext())) ?? undefined,
    );
    expect(response.status).toBe(500);
    const [item] = (await audit({ action: 'run.request', limit: '1' })).body.items;
    expect(item).toMatchObject({ target: 'run', subject: 'bob-sub', detail: { failed: 'Error' } });
  });
});

describe('an audit write that fails', () => {
  it('does not fail the write it describes: the answer is the write’s, the record goes to the error log', async () => {
    const failing: AuditStore = {
      append: async () => {
        throw new Error('audit table unavailable');
      },
      list: async () => ({ items: [], next: null }),
    };
    const errors = vi.spyOn(logger, 'error');
    const ingest = createIngestHandler(() => ({
      partners: h.partners,
      models: h.models,
      runs: new DynamoRunStore(servers.documentClient, h.table),
      imports: h.imports,
      objects: h.objects,
      requester: h.deps.rescore,
      worklist: h.worklist,
      audit: failing,
      now: Date.now,
    }));
    const response = parseResponse<{ results: { id: string; status: string }[] }>(
      (await ingest(
        httpEvent('POST /partners', { body: { id: 'kept-1', metrics: { sales: 1 } }, claims: alice }),
        lambdaContext(),
      )) ?? undefined,
    );
    expect(response.status).toBe(200);
    expect(response.body.results[0]).toMatchObject({ id: 'kept-1', status: 'created' });
    expect(await h.partners.get('kept-1')).toMatchObject({ id: 'kept-1' });
    expect(errors).toHaveBeenCalledWith(
      expect.stringMatching(/audit record not stored/),
      expect.objectContaining({
        audit: expect.objectContaining({
          action: 'partner.upsert',
          target: 'partner/kept-1',
          subject: 'alice-sub',
        }),
        error: 'audit table unavailable',
      }),
    );
    errors.mockRestore();
  });
});
