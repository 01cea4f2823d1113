import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoImportStore } from '#core/adapters/dynamo-import-store.ts';
import { ImportKeyMismatchError } from '#core/imports/import-keys.ts';
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

describe('DynamoImportStore claims (contract §4, §7: one import per object version, in order)', () => {
  it('claims an object version once: a redelivery finds it, however late; a new version starts over', async () => {
    let now = 1_000_000;
    const store = new DynamoImportStore(servers.documentClient, await servers.createTable(), {
      now: () => now,
    });
    expect(await store.claim(source, 'exec-1')).toMatchObject({
      outcome: 'claimed',
      record: { status: 'processing', owner: 'exec-1', chunks: 0 },
    });
    // A second delivery while the first runs, and one long after it finished, do nothing.
    expect(await store.claim(source, 'exec-2')).toMatchObject({ outcome: 'duplicate' });
    expect(await store.finish(source.importId, 'exec-1', 'completed', progress, null)).toBe(true);
    now += 24 * 3600 * 1000;
    expect(await store.claim(source, 'exec-3')).toMatchObject({ outcome: 'duplicate' });
    expect(await store.get(source.importId)).toMatchObject({ status: 'completed', rowsImported: 2 });

    // The same key uploaded again (a new object version, a later sequencer) is a new import.
    const again = await store.claim({ ...source, etag: 'etag-2', sequencer: '0055AED6DCD90281F0' }, 'exec-4');
    expect(again).toMatchObject({ outcome: 'claimed', record: { etag: 'etag-2', rowsImported: 0 } });
  });

  it("never lets an older version's late event replace a newer import (sequencers of unequal length)", async () => {
    const store = new DynamoImportStore(servers.documentClient, await servers.createTable());
    const newer = { ...source, etag: 'etag-new', sequencer: '0055AED6DCD90281E6' };
    expect((await store.claim(newer, 'newer')).outcome).toBe('claimed');
    // Right-padded to equal length, 0055AED6DCD90281E5 < 0055AED6DCD90281E6 and 0055AED6DCD90281 < …E6.
    for (const sequencer of ['0055AED6DCD90281E5', '0055AED6DCD90281']) {
      expect(await store.claim({ ...source, etag: 'etag-old', sequencer }, 'older')).toMatchObject({
        outcome: 'older',
        record: { etag: 'etag-new', owner: 'newer' },
      });
    }
    // A longer sequencer that pads greater is later.
    expect(
      (await store.claim({ ...source, etag: 'etag-x', sequencer: '0055AED6DCD90281E600' }, 'x')).outcome,
    ).toBe('claimed');
  });

  it('counts a chunk once: a re-run commit finds it committed; a superseded owner commits nothing', async () => {
    const store = new DynamoImportStore(servers.documentClient, await servers.createTable());
    await store.claim(source, 'exec-1');
    expect(await store.commit(source.importId, 'exec-1', 0, progress)).toEqual({ outcome: 'committed' });
    // The step of chunk 0 ran again (a crash before its result was checkpointed).
    const again = await store.commit(source.importId, 'exec-1', 0, { ...progress, rowsImported: 99 });
    expect(again).toMatchObject({ outcome: 'already', record: { chunks: 1, rowsImported: 2 } });
    // Another execution of the same object version (a redelivered event) imports nothing.
    expect(await store.claim(source, 'exec-2')).toMatchObject({ outcome: 'duplicate' });
    // A newer version of the file takes the import over from its first chunk.
    const newer = { ...source, etag: 'etag-newer', sequencer: '0055AED6DCD90281E700' };
    expect(await store.claim(newer, 'exec-2')).toMatchObject({
      outcome: 'claimed',
      record: { owner: 'exec-2', chunks: 0, rowsImported: 0 },
    });
    expect(await store.commit(source.importId, 'exec-1', 1, progress)).toEqual({ outcome: 'superseded' });
    expect(await store.finish(source.importId, 'exec-1', 'completed', progress, null)).toBe(false);
    expect(await store.commit(source.importId, 'exec-2', 0, progress)).toEqual({ outcome: 'committed' });
    expect(await store.finish(source.importId, 'exec-2', 'completed', progress, null)).toBe(true);
    // A repeated finish by the same owner (a re-run step) is fine.
    expect(await store.finish(source.importId, 'exec-2', 'completed', progress, null)).toBe(true);
  });

  it('never mixes two object keys in one record: a claim for another key under the same id is refused', async () => {
    const store = new DynamoImportStore(servers.documentClient, await servers.createTable());
    expect((await store.claim(source, 'exec-1')).outcome).toBe('claimed');
    const other = { ...source, key: 'imports/ONCE.csv', etag: 'etag-9', sequencer: 'FFFFFFFFFFFFFFFF' };
    await expect(store.claim(other, 'exec-2')).rejects.toThrow(ImportKeyMismatchError);
    expect(await store.get(source.importId)).toMatchObject({ key: source.key, owner: 'exec-1' });
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
    await store.claim({ ...source, importId: 'direct' }, 'worker');
    now += 1000;
    await store.createPending('pending-2', 'imports/pending-2.csv', new Date(now + 900_000).toISOString());
    // The pending upload arriving (its first claim) and a redelivery add no second entry.
    await store.claim({ ...source, importId: 'pending-1', key: 'imports/pending-1.csv' }, 'w2');
    await store.claim({ ...source, importId: 'direct' }, 'w3');

    expect((await store.list(10)).map((r) => [r.importId, r.status])).toEqual([
      ['pending-2', 'pending'],
      ['direct', 'processing'],
      ['pending-1', 'processing'],
    ]);
    expect((await store.list(1)).map((r) => r.importId)).toEqual(['pending-2']);
  });
});
