import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { Mover } from '../api/rankings.schema.ts';
import { keys, RANKING_PAGE_KEYS } from '../keys.ts';
import { decodeSearchEntries, encodeSearchEntries, type SearchPage } from '../partners/search-index.ts';
import type { ListPage, RankingPage, RankingRunHeader, RankingStore } from '../ports.ts';
import { decodeEntries, encodeEntries } from '../ranking/ranking-store.ts';
import { batchPutAll } from './dynamo-batch-writer.ts';

/** Movers per stored page: 100 movers ≈ 12 KB, so the default read of 100 is about 2 read units. */
const MOVERS_PAGE_SIZE = 100;
/** Search index pages asked for per Query: a results page usually needs one or two. */
const SEARCH_PAGES_PER_QUERY = 2;

type MoverTuple = [string, string, number, number, number, number, string | null, string | null];

/**
 * {@link RankingStore} on the single table: one item per page, `RANKING#<runId>#<list>#<n mod 8>` /
 * `PAGE#n`, so that the writers of a long list spread over eight partition keys.
 */
export class DynamoRankingStore implements RankingStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly writeConcurrency = 8,
  ) {}

  async putPages(
    header: RankingRunHeader,
    pages: readonly ListPage[],
    expiresAtSeconds: number,
  ): Promise<void> {
    const items = pages.map(({ list, page, entries }) => ({
      ...keys.rankingPage(header.runId, list, page),
      page,
      runId: header.runId,
      modelVersion: header.modelVersion,
      scoredAt: header.scoredAt,
      entries: encodeEntries(entries),
      expiresAt: expiresAtSeconds,
    }));
    await batchPutAll(this.client, this.tableName, items, { concurrency: this.writeConcurrency });
  }

  async getPages(runId: string, list: string, fromPage: number, count: number): Promise<RankingPage[]> {
    // One Query per part that holds pages of the range, in parallel.
    const parts = Math.min(count, RANKING_PAGE_KEYS);
    const found = await Promise.all(
      Array.from({ length: parts }, async (_, offset) => {
        const pages: RankingPage[] = [];
        for await (const page of this.query('pk = :pk AND sk BETWEEN :from AND :to', {
          ':pk': keys.rankingListPk(runId, list, (fromPage + offset) % RANKING_PAGE_KEYS),
          ':from': keys.rankingPage(runId, list, fromPage).sk,
          ':to': keys.rankingPage(runId, list, fromPage + count - 1).sk,
        })) {
          pages.push(page);
        }
        return pages;
      }),
    );
    return found.flat().sort((a, b) => a.page - b.page);
  }

  async *readList(runId: string, list: string): AsyncIterable<RankingPage> {
    // Pages are numbered from 0 without gaps; page n is the next page of part n mod RANKING_PAGE_KEYS.
    const parts = Array.from({ length: RANKING_PAGE_KEYS }, (_, part) =>
      this.query('pk = :pk', { ':pk': keys.rankingListPk(runId, list, part) })[Symbol.asyncIterator](),
    );
    for (let page = 0; ; page++) {
      const next = await (parts[page % RANKING_PAGE_KEYS] as AsyncIterator<RankingPage>).next();
      // The end, unless the page after it exists.
      const end =
        next.done &&
        (await (parts[(page + 1) % RANKING_PAGE_KEYS] as AsyncIterator<RankingPage>).next()).done;
      if (end) return;
      if (next.done || next.value.page !== page) {
        throw new Error(`ranking list ${list} of run ${runId} has no page ${page}: it was not written whole`);
      }
      yield next.value;
    }
  }

  async putMovers(runId: string, movers: readonly Mover[], expiresAtSeconds: number): Promise<void> {
    const items = [];
    for (let page = 0; page * MOVERS_PAGE_SIZE < movers.length; page++) {
      const tuples = movers
        .slice(page * MOVERS_PAGE_SIZE, (page + 1) * MOVERS_PAGE_SIZE)
        .map(
          (m): MoverTuple => [
            m.id,
            m.name,
            m.rank,
            m.previousRank,
            m.score,
            m.previousScore,
            m.tier,
            m.previousTier,
          ],
        );
      items.push({
        ...keys.runMoversPage(runId, page),
        movers: JSON.stringify(tuples),
        expiresAt: expiresAtSeconds,
      });
    }
    await batchPutAll(this.client, this.tableName, items, { concurrency: this.writeConcurrency });
  }

  async getMovers(runId: string, limit: number): Promise<Mover[]> {
    const movers: Mover[] = [];
    const outputs = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': keys.runMoversPage(runId, 0).pk,
          ':from': keys.runMoversPage(runId, 0).sk,
          ':to': keys.runMoversPage(runId, Math.ceil(limit / MOVERS_PAGE_SIZE) - 1).sk,
        },
      },
    );
    for await (const output of outputs) {
      for (const item of output.Items ?? []) {
        for (const [id, name, rank, previousRank, score, previousScore, tier, previousTier] of JSON.parse(
          String(item.movers),
        ) as MoverTuple[]) {
          movers.push({ id, name, rank, previousRank, score, previousScore, tier, previousTier });
        }
      }
    }
    return movers.slice(0, limit);
  }

  async putSearchPages(runId: string, pages: readonly SearchPage[], expiresAtSeconds: number): Promise<void> {
    const items = pages.map(({ bucket, fence, entries }) => ({
      ...keys.searchPage(runId, bucket, fence),
      entries: encodeSearchEntries(entries),
      expiresAt: expiresAtSeconds,
    }));
    await batchPutAll(this.client, this.tableName, items, { concurrency: this.writeConcurrency });
  }

  async *readSearchPages(runId: string, bucket: number, from: string): AsyncIterable<SearchPage> {
    const outputs = paginateQuery(
      { client: this.client, pageSize: SEARCH_PAGES_PER_QUERY },
      {
        TableName: this.tableName,
        KeyConditionExpression: from === '' ? 'pk = :pk' : 'pk = :pk AND sk >= :from',
        ExpressionAttributeValues: {
          ':pk': keys.searchPk(runId, bucket),
          ...(from === '' ? {} : { ':from': from }),
        },
      },
    );
    for await (const output of outputs) {
      for (const item of output.Items ?? []) {
        yield { bucket, fence: String(item.sk), entries: decodeSearchEntries(String(item.entries)) };
      }
    }
  }

  /** The pages a key condition selects, in order (a Query response stops at 1 MB; the paginator continues). */
  private async *query(condition: string, values: Record<string, unknown>): AsyncIterable<RankingPage> {
    const outputs = paginateQuery(
      { client: this.client },
      { TableName: this.tableName, KeyConditionExpression: condition, ExpressionAttributeValues: values },
    );
    for await (const output of outputs) {
      for (const item of output.Items ?? []) yield toPage(item);
    }
  }
}

function toPage(item: Record<string, unknown>): RankingPage {
  return {
    page: Number(item.page),
    entries: decodeEntries(String(item.entries)),
  };
}
