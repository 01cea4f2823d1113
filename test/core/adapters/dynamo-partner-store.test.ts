import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoModelStore } from '#core/adapters/dynamo-model-store.ts';
import { DynamoPartnerStore } from '#core/adapters/dynamo-partner-store.ts';
import { keys, PARTNER_SHARDS, partnerShard } from '#core/keys.ts';
import { DEFAULT_MODEL, SEED_PRESET } from '#core/model/presets.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await servers.stop();
});

describe('DynamoPartnerStore', () => {
  it('merges in one conditional write: created, updated, unchanged, stale', async () => {
    const table = await servers.createTable();
    const store = new DynamoPartnerStore(servers.documentClient, table);
    const asOf = (day: number) => `2024-05-0${day}T00:00:00.000Z`;
    const [created] = await store.upsert([
      { id: 'p', type: 'Reseller', metrics: { sales: 1, reputation: 2 }, asOf: asOf(1) },
    ]);
    expect(created).toMatchObject({
      status: 'created',
      partner: { name: 'p', metrics: { sales: 1, reputation: 2 } },
    });
    const [updated] = await store.upsert([
      { id: 'p', type: null, metrics: { reputation: null }, asOf: asOf(2) },
    ]);
    expect(updated?.status).toBe('updated');
    expect(await store.get('p')).toMatchObject({ type: null, metrics: { sales: 1 }, asOf: asOf(2) });
    const [unchanged] = await store.upsert([{ id: 'p', metrics: { sales: 1 }, asOf: asOf(3) }]);
    expect(unchanged?.status).toBe('unchanged');
    const [stale] = await store.upsert([{ id: 'p', metrics: { sales: 9 }, asOf: asOf(1) }]);
    expect(stale).toEqual({ id: 'p', status: 'stale', partner: null });
    expect((await store.get('p'))?.metrics).toEqual({ sales: 1 });
  });

  it('applies an item whose asOf equals the stored one: only an older asOf is stale', async () => {
    const table = await servers.createTable();
    const store = new DynamoPartnerStore(servers.documentClient, table);
    const asOf = '2024-05-02T00:00:00.000Z';
    await store.upsert([{ id: 'q', metrics: { sales: 1 }, asOf }]);
    const [same] = await store.upsert([{ id: 'q', metrics: { sales: 2 }, asOf }]);
    expect(same).toMatchObject({ status: 'updated', partner: { metrics: { sales: 2 }, asOf } });
    const [older] = await store.upsert([
      { id: 'q', metrics: { sales: 3 }, asOf: '2024-05-01T23:59:59.999Z' },
    ]);
    expect(older).toEqual({ id: 'q', status: 'stale', partner: null });
    expect(await store.get('q')).toMatchObject({ metrics: { sales: 2 }, asOf });
  });

  it('stores metrics as top-level attributes in the partner shard and marks the change', async () => {
    const table = await servers.createTable();
    const store = new DynamoPartnerStore(servers.documentClient, table);
    await store.upsert([
      { id: 'x', metrics: { communicationfrequency: 4 }, asOf: '2024-01-01T00:00:00.000Z' },
    ]);
    const item = await servers.documentClient.send(
      new GetCommand({ TableName: table, Key: keys.partner('x') }),
    );
    expect(item.Item).toMatchObject({
      pk: `PARTNERS#${String(partnerShard('x')).padStart(2, '0')}`,
      m_communicationfrequency: 4,
    });
    const marker = await servers.documentClient.send(
      new GetCommand({ TableName: table, Key: keys.partnersChanged }),
    );
    expect(typeof marker.Item?.changedAt).toBe('string');
  });

  it('reads every partner back through the shards, and deletes', async () => {
    const table = await servers.createTable();
    const store = new DynamoPartnerStore(servers.documentClient, table);
    const ids = Array.from({ length: 200 }, (_, i) => `id-${i}`);
    await store.upsert(ids.map((id) => ({ id, metrics: { sales: 1 }, asOf: '2024-01-01T00:00:00.000Z' })));
    const read: string[] = [];
    for (let shard = 0; shard < PARTNER_SHARDS; shard++) {
      for await (const page of store.readShard(shard)) read.push(...page.map((p) => p.id));
    }
    expect(read.sort()).toEqual([...ids].sort());
    expect(await store.delete('id-0')).toBe(true);
    expect(await store.delete('id-0')).toBe(false);
    expect(await store.get('id-0')).toBeNull();
  });

  it('reads what scoring needs: id, asOf and the named metrics only, deleted partners left out', async () => {
    const table = await servers.createTable();
    const store = new DynamoPartnerStore(servers.documentClient, table);
    const asOf = '2024-01-01T00:00:00.000Z';
    await store.upsert([
      {
        id: 'a',
        name: 'Alpha',
        region: 'EU',
        metrics: { sales: 1, reputation: 2, commoncustomers: 3 },
        asOf,
      },
      { id: 'b', metrics: { sales: 4 }, asOf },
      { id: 'gone', metrics: { sales: 5 }, asOf },
    ]);
    await store.delete('gone');
    const read = [];
    for (let shard = 0; shard < PARTNER_SHARDS; shard++) {
      // Metrics as the model names them (stored normalised); two spellings of one ask for it once.
      for await (const page of store.readScorable(shard, ['sales', 'commonCustomers', 'CommonCustomers']))
        read.push(...page);
    }
    expect(read.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'a', asOf, metrics: { sales: 1, commoncustomers: 3 } },
      { id: 'b', asOf, metrics: { sales: 4 } },
    ]);
  });
});

describe('DynamoPartnerStore change journal', () => {
  it('journals the ids of every write batch and delete, and reads partners back by id', async () => {
    const table = await servers.createTable();
    let now = Date.parse('2026-12-01T10:00:00.000Z');
    const store = new DynamoPartnerStore(servers.documentClient, table, { now: () => now });
    const asOf = '2026-12-01T00:00:00.000Z';
    await store.upsert([
      { id: 'a', metrics: { sales: 1 }, asOf },
      { id: 'b', metrics: { sales: 2 }, asOf },
    ]);
    now += 60_000;
    const later = new Date(now).toISOString();
    // Same data (unchanged) and a stale one are journaled too: harmless to read afresh.
    await store.upsert([
      { id: 'b', metrics: { sales: 2 }, asOf },
      { id: 'c', metrics: { sales: 3, reputation: 4 }, asOf },
      { id: 'a', metrics: { sales: 9 }, asOf: '2020-01-01T00:00:00.000Z' },
    ]);
    expect(await store.delete('b')).toBe(true);
    expect((await store.changedSince('2026-12-01T09:00:00.000Z')).sort()).toEqual(['a', 'b', 'c']);
    expect((await store.changedSince(later)).sort()).toEqual(['a', 'b', 'c']);
    expect(await store.changedSince(new Date(now + 1).toISOString())).toEqual([]);
    const read = await store.readScorableByIds(['a', 'b', 'c', 'unknown'], ['sales']);
    expect(read.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'a', asOf, metrics: { sales: 1 } },
      { id: 'c', asOf, metrics: { sales: 3 } },
    ]);
  });

  it('journals before it writes: a batch that fails half-way is still named', async () => {
    const table = await servers.createTable();
    const store = new DynamoPartnerStore(servers.documentClient, table);
    const since = new Date(Date.now() - 1000).toISOString();
    // An infinite value fails in the write itself, after the journal entry.
    await expect(
      store.upsert([
        { id: 'x', metrics: { sales: Number.POSITIVE_INFINITY }, asOf: '2026-12-01T00:00:00.000Z' },
      ]),
    ).rejects.toThrow(/not a finite number/);
    expect(await store.get('x')).toBeNull();
    expect(await store.changedSince(since)).toEqual(['x']);
  });
});

describe('DynamoModelStore', () => {
  it('serves the default model as version 1, then activated versions in order', async () => {
    const table = await servers.createTable();
    let now = 1_000_000;
    const store = new DynamoModelStore(servers.documentClient, table, { cacheMs: 5000, now: () => now });
    expect(await store.getActive()).toMatchObject({ version: 1, model: DEFAULT_MODEL });
    expect((await store.activate(SEED_PRESET)).version).toBe(2);
    const other = new DynamoModelStore(servers.documentClient, table, { cacheMs: 5000, now: () => now });
    expect(await other.getActive()).toMatchObject({ version: 2, model: SEED_PRESET });
    await store.activate(DEFAULT_MODEL);
    expect((await other.getActive()).version).toBe(2); // cached for 5 s
    now += 5001;
    expect((await other.getActive()).version).toBe(3);
  });
});
