import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRankingStore } from '#core/adapters/dynamo-ranking-store.ts';
import type { RankingEntry } from '#core/api/rankings.schema.ts';
import { keys, RANKING_PAGE_KEYS } from '#core/keys.ts';
import type { ListPage } from '#core/ports.ts';
import { PAGE_MAX_BYTES } from '#core/ranking/ranking-store.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await servers.stop();
});

const header = { runId: 'run-big', modelVersion: 2, scoredAt: '2026-11-24T02:00:00.000Z' };

/** `pages` pages of 100 entries whose names fill each page to just under the byte budget. */
function bigPages(pages: number): ListPage[] {
  const nameLength = Math.floor(PAGE_MAX_BYTES / 100) - 80;
  return Array.from({ length: pages }, (_, page) => ({
    list: 'all',
    page,
    entries: Array.from(
      { length: 100 },
      (_, k): RankingEntry => ({
        rank: page * 100 + k + 1,
        id: `p${page * 100 + k}`,
        name: `${page}-${k}-`.padEnd(nameLength, 'x'),
        score: 1000 - (page * 100 + k),
        tier: null,
        previousRank: null,
        region: null,
        type: null,
        coverage: 0.75,
      }),
    ),
  }));
}

describe('DynamoRankingStore', () => {
  it('spreads a list over its page keys and reads pages beyond one 1 MB Query response, in order, each once', async () => {
    const table = await servers.createTable();
    const store = new DynamoRankingStore(servers.documentClient, table);
    // Part 0 holds pages 0, 8, 16 and 24: 1.2 MB.
    const written = bigPages(3 * RANKING_PAGE_KEYS + 1);
    await store.putPages(header, written, 2_000_000_000);

    // The server cuts one Query of a part short: the store must continue from there.
    const single = await servers.documentClient.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.rankingListPk(header.runId, 'all', 0) },
      }),
    );
    expect(single.LastEvaluatedKey).toBeDefined();

    const read = await store.getPages(header.runId, 'all', 0, written.length);
    expect(read).toEqual(written.map(({ page, entries }) => ({ page, entries })));
    expect((await store.getPages(header.runId, 'all', 5, 6)).map((p) => p.page)).toEqual([5, 6, 7, 8, 9, 10]);
    expect((await store.getPages(header.runId, 'all', 23, 5)).map((p) => p.page)).toEqual([23, 24]);
    const listed: number[] = [];
    for await (const page of store.readList(header.runId, 'all')) listed.push(page.page);
    expect(listed).toEqual(written.map((p) => p.page));
  });

  it('refuses to read a list with a missing page rather than skip it', async () => {
    const table = await servers.createTable();
    const store = new DynamoRankingStore(servers.documentClient, table);
    const pages = [0, 1, 3].map((page) => ({ list: 'all', page, entries: bigPages(1)[0]?.entries ?? [] }));
    await store.putPages(header, pages, 2_000_000_000);
    const listed: number[] = [];
    await expect(async () => {
      for await (const page of store.readList(header.runId, 'all')) listed.push(page.page);
    }).rejects.toThrow(/has no page 2/);
    expect(listed).toEqual([0, 1]);
  });
});
