import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import {
  decodeEntries,
  encodeEntries,
  type ListPage,
  type RankingPage,
  type RankingRunHeader,
  type RankingStore,
} from '../ranking/ranking-store.ts';
import { batchPutAll } from './dynamo-batch-writer.ts';

/** {@link RankingStore} on the single table: one item per page, `RANKING#<runId>#<list>` / `PAGE#n`. */
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
    const pages: RankingPage[] = [];
    for await (const page of this.query('pk = :pk AND sk BETWEEN :from AND :to', {
      ':pk': keys.rankingListPk(runId, list),
      ':from': keys.rankingPage(runId, list, fromPage).sk,
      ':to': keys.rankingPage(runId, list, fromPage + count - 1).sk,
    })) {
      pages.push(page);
    }
    return pages;
  }

  readList(runId: string, list: string): AsyncIterable<RankingPage> {
    return this.query('pk = :pk', { ':pk': keys.rankingListPk(runId, list) });
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
