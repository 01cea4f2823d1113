import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import type { ImportProgress, ImportSource } from '#core/ports.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await servers.stop();
});

const source: ImportSource = {
  importId: 'once',
  bucket: 'b',
  key: 'imports/once.csv',
  etag: 'etag-1',
  asOf: '2026-11-24T00:00:00.000Z',
};
const progress: ImportProgress = {
  rowsTotal: 2,
  rowsImported: 2,
  rowsRejected: 0,
  warnings: [],
  errors: [],
  checkpoint: null,
};

describe('DynamoImportStore claims (contract §4, §7: one object version is imported once)', () => {
  it('never re-claims a completed import, even long after its lease ran out; a new ETag starts over', async () => {
    let now = 1_000_000;
    const store = new DynamoImportStore(servers.documentClient, await servers.createTable(), {
      now: () => now,
    });
    expect(await store.claim(source, 'worker-1', now + 1_000)).toMatchObject({ status: 'processing' });
    // A second delivery while the first holds the lease gets nothing.
    expect(await store.claim(source, 'worker-2', now + 1_000)).toBeNull();
    expect(await store.finish(source.importId, 'worker-1', 'completed', progress, null)).toBe(true);

    now += 24 * 3600 * 1000; // the lease is long gone
    expect(await store.claim(source, 'worker-3', now + 1_000)).toBeNull();
    expect(await store.get(source.importId)).toMatchObject({ status: 'completed', rowsImported: 2 });

    // The same key uploaded again (a new object version) is a new import.
    const again = await store.claim({ ...source, etag: 'etag-2' }, 'worker-4', now + 1_000);
    expect(again).toMatchObject({ status: 'processing', etag: 'etag-2', rowsImported: 0 });
  });

  it('lets a retry take over a processing import only once its lease has run out', async () => {
    let now = 5_000_000;
    const store = new DynamoImportStore(servers.documentClient, await servers.createTable(), {
      now: () => now,
    });
    expect(await store.claim(source, 'crashed', now + 1_000)).not.toBeNull();
    now += 999;
    expect(await store.claim(source, 'early', now + 1_000)).toBeNull();
    now += 2;
    expect(await store.claim(source, 'retry', now + 1_000)).toMatchObject({ status: 'processing' });
    // The crashed worker's token no longer writes.
    expect(await store.finish(source.importId, 'crashed', 'completed', progress, null)).toBe(false);
  });
});

describe('DynamoImportStore list (GET /imports)', () => {
  it('lists imports newest first, both pending uploads and files put straight into the bucket, once each', async () => {
    let now = Date.parse('2026-11-24T10:00:00.000Z');
    const store = new DynamoImportStore(servers.documentClient, await servers.createTable(), {
      now: () => now,
    });
    await store.createPending('pending-1', 'imports/pending-1.csv', new Date(now + 900_000).toISOString());
    now += 1000;
    await store.claim({ ...source, importId: 'direct' }, 'worker', now + 1000);
    now += 1000;
    await store.createPending('pending-2', 'imports/pending-2.csv', new Date(now + 900_000).toISOString());
    // The pending upload arriving (its first claim) and a redelivery add no second entry.
    await store.claim({ ...source, importId: 'pending-1', key: 'imports/pending-1.csv' }, 'w2', now + 1000);
    await store.claim({ ...source, importId: 'direct' }, 'w3', now + 1000);

    expect((await store.list(10)).map((r) => [r.importId, r.status])).toEqual([
      ['pending-2', 'pending'],
      ['direct', 'processing'],
      ['pending-1', 'processing'],
    ]);
    expect((await store.list(1)).map((r) => r.importId)).toEqual(['pending-2']);
  });
});
