import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoModelStore } from '#core/adapters/dynamo-model-store.ts';
import { keys } from '#core/keys.ts';
import { DEFAULT_MODEL, SEED_PRESET } from '#core/model/presets.ts';
import type { ScoringModel } from '#core/model/scoring-model.ts';
import { faultyClient } from '#test/support/dynamo-faults.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await servers.stop();
});

const withHysteresis = (tierHysteresis: number): ScoringModel => ({ ...DEFAULT_MODEL, tierHysteresis });

async function history(table: string): Promise<Record<number, number>> {
  const output = await servers.documentClient.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.modelPk },
    }),
  );
  return Object.fromEntries((output.Items ?? []).map((item) => [item.version, item.model.tierHysteresis]));
}

describe('DynamoModelStore activation', () => {
  it.each([1, 2, 3])(
    'heals after an activation lost its write number %i: no orphaned version, later activations go on',
    async (lost) => {
      const table = await servers.createTable();
      let writes = 0;
      let failWrite = 0;
      let commands = 0;
      const client = faultyClient(servers, (name) => {
        // A loop that never ends would hang the request for good: stop it here, as a failure.
        if (++commands > 200) throw new Error('injected: the request timed out');
        if (name !== 'PutItemCommand' && name !== 'UpdateItemCommand') return;
        writes++;
        if (writes === failWrite) throw new Error('injected: throttled past the retries');
      });
      const store = new DynamoModelStore(client, table, { cacheMs: 0 });
      await store.activate(withHysteresis(3)); // version 2
      // One write of the next activation fails (throttled past the retries, or a crash there).
      failWrite = writes + lost;
      await store.activate(withHysteresis(4)).catch(() => undefined);
      // Whatever was lost, the versions list and GET of a version agree with the active pointer.
      const activeNow = await store.getActive();
      expect((await store.listVersions(10))[0]?.version).toBe(activeNow.version);
      expect(await store.getVersion(activeNow.version)).toEqual(activeNow.model);
      commands = 0;
      const after = await store.activate(withHysteresis(5));
      const active = await store.getActive();
      expect(active.version).toBe(after.version);
      expect(active.model.tierHysteresis).toBe(5);
      // Every version from 2 to the active one is stored once, with the model it was activated with.
      const stored = await history(table);
      const versions = Object.keys(stored).map(Number);
      expect(versions).toEqual(Array.from({ length: active.version - 1 }, (_, i) => i + 2));
      expect(stored[2]).toBe(3);
      expect(stored[active.version]).toBe(5);
    },
  );

  it('gives concurrent activations strictly increasing versions, the later one active', async () => {
    const table = await servers.createTable();
    const stores = [0, 1, 2, 3].map(
      () => new DynamoModelStore(servers.documentClient, table, { cacheMs: 60_000 }),
    );
    const activated = await Promise.all(stores.map((store, i) => store.activate(withHysteresis(10 + i))));
    const versions = activated.map((a) => a.version).sort((a, b) => a - b);
    expect(versions).toEqual([2, 3, 4, 5]);
    const last = activated.find((a) => a.version === 5);
    const active = await new DynamoModelStore(servers.documentClient, table).getActive();
    expect(active).toMatchObject({ version: 5, model: last?.model });
    const stored = await history(table);
    for (const a of activated) expect(stored[a.version]).toBe(a.model.tierHysteresis);
  });

  it('reads the stored pointer when asked for a fresh answer, whatever its cache holds', async () => {
    const table = await servers.createTable();
    const reader = new DynamoModelStore(servers.documentClient, table, { cacheMs: 60_000 });
    expect((await reader.getActive()).version).toBe(1);
    await new DynamoModelStore(servers.documentClient, table).activate(SEED_PRESET);
    expect((await reader.getActive()).version).toBe(1);
    expect(await reader.getActive({ fresh: true })).toMatchObject({ version: 2, model: SEED_PRESET });
  });
});
