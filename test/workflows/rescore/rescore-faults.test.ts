import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#core/adapters/aws-clients.ts';
import type { RankingResponse } from '#core/ranking/read-rankings.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { createHarness, type Harness } from './rescore-harness.ts';

/**
 * Faults a server cannot produce, injected with an SDK middleware on the client the service uses:
 * a crash after N BatchWriteItem requests, a hook run between writes, and `UnprocessedItems`.
 */
interface Faults {
  crashAfterBatchWrites: number;
  batchWrites: number;
  /** Items of each BatchWriteItem request handed back as unprocessed (then retried by the writer). */
  unprocessedPerRequest: number;
  unprocessedReturned: number;
  betweenWrites: (() => Promise<void>) | null;
}

function faultyClient(servers: LocalServers): { client: DynamoDBDocumentClient; faults: Faults } {
  const faults: Faults = {
    crashAfterBatchWrites: Number.POSITIVE_INFINITY,
    batchWrites: 0,
    unprocessedPerRequest: 0,
    unprocessedReturned: 0,
    betweenWrites: null,
  };
  const client = createDocumentClient({
    endpoint: servers.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== BatchWriteItemCommand.name) return next(args);
      faults.batchWrites++;
      if (faults.batchWrites > faults.crashAfterBatchWrites) throw new Error('injected: the process died');
      if (faults.betweenWrites) await faults.betweenWrites();
      const input = args.input as BatchWriteItemCommand['input'];
      const [table, requests] = Object.entries(input.RequestItems ?? {})[0] ?? ['', []];
      const held = requests.slice(0, Math.min(faults.unprocessedPerRequest, requests.length - 1));
      if (held.length > 0) input.RequestItems = { [table]: requests.slice(held.length) };
      const result = await next(args);
      if (held.length > 0) {
        faults.unprocessedReturned += held.length;
        (result.output as { UnprocessedItems?: unknown }).UnprocessedItems = { [table]: held };
      }
      return result;
    },
    { step: 'initialize', name: 'injectFaults' },
  );
  return { client, faults };
}

/** `flip` turns the sales order around, so the ranking changes. */
function partners(count: number, flip = false) {
  return Array.from({ length: count }, (_, i) => {
    const sales = (i * 7919) % 1000;
    return {
      id: `p-${String(i).padStart(4, '0')}`,
      region: i % 2 === 0 ? 'EMEA' : 'APAC',
      metrics: { sales: flip ? 1000 - sales : sales, transactions: (i * 31) % 97 },
    };
  });
}

async function fullRanking(h: Harness): Promise<RankingResponse[]> {
  const pages: RankingResponse[] = [];
  let cursor: string | null = null;
  do {
    const response: { body: RankingResponse } = await h.call<RankingResponse>('GET /rankings', {
      query: { limit: '500', ...(cursor ? { cursor } : {}) },
    });
    pages.push(response.body);
    cursor = response.body.nextCursor;
  } while (cursor);
  return pages;
}

let servers: LocalServers;
let h: Harness;
let faults: Faults;
beforeAll(async () => {
  servers = await startLocalServers();
  const faulty = faultyClient(servers);
  faults = faulty.faults;
  h = await createHarness(servers, { client: faulty.client });
  await h.upsert(partners(700));
  await h.runNow();
});
afterAll(async () => {
  await h.dispose();
  h.client.destroy();
  await servers.stop();
});

// A durable run retries a failing step 3 times, 1 s apart, in each of its fanned-out slices.
describe('rescore under faults', { timeout: 180_000 }, () => {
  it('leaves the previous ranking in place when a run dies half-way, and the next run completes', async () => {
    const before = await fullRanking(h);
    const runBefore = before[0]?.runId;
    await h.upsert(partners(700, true));

    faults.batchWrites = 0;
    faults.crashAfterBatchWrites = 20;
    const crashed = await h.call<{ runId: string }>('POST /rescore');
    await expect(h.drain()).rejects.toThrow(/injected/);
    faults.crashAfterBatchWrites = Number.POSITIVE_INFINITY;

    expect(await fullRanking(h)).toEqual(before.map((page) => ({ ...page, stale: true })));
    const failed = await h.call<{ status: string }>('GET /runs/{runId}', {
      pathParameters: { runId: crashed.body.runId },
    });
    expect(failed.body.status).toBe('failed');
    // Score records the dead run wrote are not history.
    const history = await h.call<{ items: { runId: string }[] }>('GET /partners/{id}/history', {
      pathParameters: { id: 'p-0000' },
    });
    expect(history.body.items.map((item) => item.runId)).toEqual([runBefore]);

    const next = await h.runNow();
    const after = await fullRanking(h);
    expect(after[0]?.runId).toBe(next);
    expect(after.flatMap((page) => page.items)).toHaveLength(700);
    const ids = (pages: RankingResponse[]) => pages.flatMap((page) => page.items.map((item) => item.id));
    expect(ids(after)).not.toEqual(ids(before));
    expect([...ids(after)].sort()).toEqual([...ids(before)].sort());
  });

  it('shows a reader polling during a run only complete rankings of one run', async () => {
    const previous = await fullRanking(h);
    await h.upsert(partners(700));
    const seen: RankingResponse[][] = [];
    faults.batchWrites = 0;
    faults.betweenWrites = async () => {
      if (faults.batchWrites % 4 === 0) seen.push(await fullRanking(h));
    };
    const runId = await h.runNow();
    faults.betweenWrites = null;
    seen.push(await fullRanking(h));
    const current = await fullRanking(h);

    const key = (pages: RankingResponse[]) =>
      JSON.stringify([pages[0]?.runId, pages.flatMap((page) => page.items)]);
    const allowed = new Set([key(previous), key(current)]);
    expect(seen.length).toBeGreaterThan(5);
    for (const snapshot of seen) expect(allowed.has(key(snapshot))).toBe(true);
    expect(seen.at(-1)?.[0]?.runId).toBe(runId);
  });

  it('retries UnprocessedItems until every score record and page is written', async () => {
    faults.unprocessedPerRequest = 3;
    faults.unprocessedReturned = 0;
    const runId = await h.runNow();
    faults.unprocessedPerRequest = 0;
    expect(faults.unprocessedReturned).toBeGreaterThan(100);
    const ranking = await fullRanking(h);
    expect(ranking[0]?.runId).toBe(runId);
    expect(ranking.flatMap((page) => page.items)).toHaveLength(700);
    const history = await h.call<{ items: { runId: string }[] }>('GET /partners/{id}/history', {
      pathParameters: { id: 'p-0699' },
    });
    expect(history.body.items[0]?.runId).toBe(runId);
  });
});
