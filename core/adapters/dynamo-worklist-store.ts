import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { WorklistItemView } from '../api/worklist.schema.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import { keys } from '../keys.ts';
import type { WorklistHead, WorklistItemRecord, WorklistPage, WorklistStore } from '../ports.ts';
import type { StoredWorklistConfig } from '../worklist/worklist-config.ts';
import type { ItemAction } from '../worklist/worklist-items.ts';
import { batchPutAll } from './dynamo-batch-writer.ts';

type ViewTuple = [
  string,
  string,
  string,
  string | null,
  number | null,
  WorklistItemView['reason'],
  WorklistItemView['severity'],
  string,
  WorklistItemView['detail'],
  WorklistItemView['state'],
  string | null,
];

/** Compact page entries: one JSON string of tuples. */
export function encodeViews(entries: readonly WorklistItemView[]): string {
  return JSON.stringify(
    entries.map(
      (e): ViewTuple => [
        e.itemId,
        e.partnerId,
        e.name,
        e.tier,
        e.score,
        e.reason,
        e.severity,
        e.openedAt,
        e.detail,
        e.state,
        e.snoozedUntil,
      ],
    ),
  );
}

function decodeViews(text: string): WorklistItemView[] {
  return (JSON.parse(text) as ViewTuple[]).map(
    ([itemId, partnerId, name, tier, score, reason, severity, openedAt, detail, state, snoozedUntil]) => ({
      itemId,
      partnerId,
      name,
      tier,
      score,
      reason,
      severity,
      openedAt,
      detail,
      state,
      snoozedUntil,
    }),
  );
}

/** Item records stay a while after they resolve (a late action gets its 409), then expire. */
const RESOLVED_TTL_DAYS = 400;

/** {@link WorklistStore} on the single table (keys from `keys.ts`). */
export class DynamoWorklistStore implements WorklistStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly writeConcurrency = 8,
  ) {}

  async getConfig(): Promise<StoredWorklistConfig | null> {
    const item = await this.get(keys.worklistConfig, true);
    return typeof item?.stored === 'string' ? (JSON.parse(item.stored) as StoredWorklistConfig) : null;
  }

  async putConfig(stored: StoredWorklistConfig): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.worklistConfig, stored: JSON.stringify(stored) },
      }),
    );
  }

  async getHead(): Promise<WorklistHead | null> {
    const item = await this.get(keys.worklistHead);
    return typeof item?.head === 'string' ? (JSON.parse(item.head) as WorklistHead) : null;
  }

  async putHead(head: WorklistHead): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.worklistHead, head: JSON.stringify(head) },
      }),
    );
  }

  async putPages(runId: string, pages: readonly WorklistPage[], expiresAtSeconds: number): Promise<void> {
    const items = pages.map(({ list, page, entries }) => ({
      ...keys.worklistPage(runId, list, page),
      page,
      entries: encodeViews(entries),
      expiresAt: expiresAtSeconds,
    }));
    await batchPutAll(this.client, this.tableName, items, { concurrency: this.writeConcurrency });
  }

  async getPages(runId: string, list: string, fromPage: number, count: number): Promise<WorklistPage[]> {
    const wanted = Array.from({ length: count }, (_, k) => keys.worklistPage(runId, list, fromPage + k));
    const output = await this.client.send(
      new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: wanted } } }),
    );
    const items = [...(output.Responses?.[this.tableName] ?? [])];
    let unprocessed = output.UnprocessedKeys?.[this.tableName]?.Keys;
    while (unprocessed && unprocessed.length > 0) {
      const again = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: unprocessed } } }),
      );
      items.push(...(again.Responses?.[this.tableName] ?? []));
      unprocessed = again.UnprocessedKeys?.[this.tableName]?.Keys;
    }
    return items
      .map((item) => ({ list, page: Number(item.page), entries: decodeViews(String(item.entries)) }))
      .sort((a, b) => a.page - b.page);
  }

  async openItems(records: readonly WorklistItemRecord[]): Promise<void> {
    await mapWithConcurrency(records, this.writeConcurrency, async (record) => {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...keys.worklistItem(record.itemId),
              record: JSON.stringify(record),
              status: record.status,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
  }

  async updateItems(records: readonly WorklistItemRecord[]): Promise<void> {
    await mapWithConcurrency(records, this.writeConcurrency, async (record) => {
      await this.conditional(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.worklistItem(record.itemId),
          UpdateExpression: 'SET #record = :record',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#record': 'record', '#status': 'status' },
          ExpressionAttributeValues: { ':record': JSON.stringify(record), ':open': 'open' },
        }),
      );
    });
  }

  async resolveItems(itemIds: readonly string[], resolvedAt: string): Promise<void> {
    const expiresAt = Math.floor(Date.parse(resolvedAt) / 1000) + RESOLVED_TTL_DAYS * 86_400;
    await mapWithConcurrency(itemIds, this.writeConcurrency, async (itemId) => {
      await this.conditional(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.worklistItem(itemId),
          UpdateExpression: 'SET #status = :resolved, resolvedAt = :at, expiresAt = :expiresAt',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':resolved': 'resolved',
            ':open': 'open',
            ':at': resolvedAt,
            ':expiresAt': expiresAt,
          },
        }),
      );
    });
  }

  async getItem(itemId: string): Promise<WorklistItemRecord | null> {
    const item = await this.get(keys.worklistItem(itemId), true);
    if (!item || typeof item.record !== 'string') return null;
    const record = JSON.parse(item.record) as WorklistItemRecord;
    return {
      ...record,
      status: item.status === 'resolved' ? 'resolved' : 'open',
      resolvedAt: typeof item.resolvedAt === 'string' ? item.resolvedAt : null,
    };
  }

  async act(next: WorklistItemRecord, action: ItemAction): Promise<boolean> {
    const resolved = next.status === 'resolved';
    const values: Record<string, unknown> = { ':record': JSON.stringify(next), ':open': 'open' };
    let update = 'SET #record = :record';
    if (resolved) {
      update += ', #status = :resolved, resolvedAt = :at, expiresAt = :expiresAt';
      values[':resolved'] = 'resolved';
      values[':at'] = action.actedAt;
      values[':expiresAt'] = Math.floor(Date.parse(action.actedAt) / 1000) + RESOLVED_TTL_DAYS * 86_400;
    }
    // The log first: a run folds in what the log holds (an action on an item resolved meanwhile is ignored).
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.worklistAction(action.actedAt, action.itemId),
          action: JSON.stringify(action),
          expiresAt: Math.floor(Date.parse(action.actedAt) / 1000) + RESOLVED_TTL_DAYS * 86_400,
        },
      }),
    );
    const applied = await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.worklistItem(next.itemId),
        UpdateExpression: update,
        ConditionExpression: '#status = :open',
        ExpressionAttributeNames: { '#record': 'record', '#status': 'status' },
        ExpressionAttributeValues: values,
      }),
    );
    return applied;
  }

  async actionsSince(since: string): Promise<ItemAction[]> {
    const actions: ItemAction[] = [];
    const outputs = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk >= :since',
        ExpressionAttributeValues: { ':pk': keys.worklistActionsPk, ':since': since },
        ConsistentRead: true,
      },
    );
    for await (const output of outputs) {
      for (const item of output.Items ?? []) actions.push(JSON.parse(String(item.action)) as ItemAction);
    }
    return actions;
  }

  private async get(key: { pk: string; sk: string }, consistent = false) {
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: consistent }),
    );
    return output.Item;
  }

  private async conditional(command: UpdateCommand): Promise<boolean> {
    try {
      await this.client.send(command);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
