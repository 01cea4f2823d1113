import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import type { PartnerRecord, PartnerStore, PartnerUpsert, UpsertOutcome, UpsertStatus } from '../ports.ts';
import { mapWithConcurrency } from './concurrency.ts';

/** Prefix of the top-level attribute holding one metric (`m_sales`), keyed by normalised name. */
export const METRIC_ATTRIBUTE_PREFIX = 'm_';

export interface DynamoPartnerStoreOptions {
  /** UpdateItem requests in flight at once during a batch upsert. */
  concurrency?: number;
}

type Item = Record<string, unknown>;

/**
 * {@link PartnerStore} on the single table. Each partner is one item in its shard partition with
 * one top-level attribute per metric, so an upsert is ONE conditional UpdateItem: it merges (SET
 * given metrics, REMOVE nulls, keep the rest) and guards against stale data
 * (`attribute_not_exists(pk) OR asOf <= :asOf`) in the same request, and `ALL_OLD` tells created,
 * updated and unchanged apart without a read. After a batch that changed anything, the
 * `partnersChanged` marker is written once.
 */
export class DynamoPartnerStore implements PartnerStore {
  private readonly concurrency: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoPartnerStoreOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 32;
  }

  async upsert(items: readonly PartnerUpsert[]): Promise<UpsertOutcome[]> {
    // Writes to one id run in request order (later wins); different ids run concurrently.
    const byId = new Map<string, number[]>();
    items.forEach((item, i) => {
      const list = byId.get(item.id);
      if (list) list.push(i);
      else byId.set(item.id, [i]);
    });
    const outcomes = new Array<UpsertOutcome>(items.length);
    await mapWithConcurrency([...byId.values()], this.concurrency, async (indexes) => {
      for (const i of indexes) outcomes[i] = await this.upsertOne(items[i] as PartnerUpsert);
    });
    if (outcomes.some((o) => o.status === 'created' || o.status === 'updated')) await this.markChanged();
    return outcomes;
  }

  async get(id: string): Promise<PartnerRecord | null> {
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.partner(id), ConsistentRead: true }),
    );
    return output.Item ? toPartnerRecord(output.Item) : null;
  }

  async delete(id: string): Promise<boolean> {
    const output = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.partner(id),
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!output.Attributes) return false;
    await this.markChanged();
    return true;
  }

  async *readShard(shard: number): AsyncIterable<PartnerRecord[]> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.partnerShardPk(shard) },
      },
    );
    for await (const page of pages) {
      yield (page.Items ?? []).map(toPartnerRecord);
    }
  }

  /** Records that partners changed after the current run (read by the rankings as `stale`). */
  async markChanged(): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.partnersChanged, changedAt: new Date().toISOString() },
      }),
    );
  }

  private async upsertOne(upsert: PartnerUpsert): Promise<UpsertOutcome> {
    const names: Record<string, string> = {
      '#asOf': 'asOf',
      '#updatedAt': 'updatedAt',
      '#id': 'id',
      '#name': 'name',
    };
    const values: Record<string, unknown> = {
      ':asOf': upsert.asOf,
      ':now': new Date().toISOString(),
      ':id': upsert.id,
    };
    const set = ['#id = :id', '#asOf = :asOf', '#updatedAt = :now'];
    const remove: string[] = [];
    if (upsert.name !== undefined) {
      values[':name'] = upsert.name;
      set.push('#name = :name');
    } else set.push('#name = if_not_exists(#name, :id)');
    for (const field of ['type', 'region'] as const) {
      const value = upsert[field];
      if (value === undefined) continue;
      names[`#${field}`] = field;
      if (value === null) remove.push(`#${field}`);
      else {
        values[`:${field}`] = value;
        set.push(`#${field} = :${field}`);
      }
    }
    if (upsert.source !== undefined) {
      names['#source'] = 'source';
      values[':source'] = upsert.source;
      set.push('#source = :source');
    }
    let n = 0;
    for (const [metric, value] of Object.entries(upsert.metrics)) {
      const placeholder = `#m${n}`;
      names[placeholder] = METRIC_ATTRIBUTE_PREFIX + metric;
      if (value === null) remove.push(placeholder);
      else {
        values[`:m${n}`] = value;
        set.push(`${placeholder} = :m${n}`);
      }
      n++;
    }
    try {
      const output = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.partner(upsert.id),
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(pk) OR #asOf <= :asOf',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = output.Attributes ? toPartnerRecord(output.Attributes) : null;
      const partner = merge(old, upsert, values[':now'] as string);
      const status: UpsertStatus =
        old === null ? 'created' : sameData(old, partner) ? 'unchanged' : 'updated';
      return {
        id: upsert.id,
        status,
        partner,
        previousSource: (output.Attributes?.source as string | undefined) ?? null,
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { id: upsert.id, status: 'stale', partner: null };
      }
      throw error;
    }
  }
}

/** A stored partner item as a {@link PartnerRecord}. */
export function toPartnerRecord(item: Item): PartnerRecord {
  const metrics: Record<string, number> = {};
  for (const [attribute, value] of Object.entries(item)) {
    if (attribute.startsWith(METRIC_ATTRIBUTE_PREFIX) && typeof value === 'number') {
      metrics[attribute.slice(METRIC_ATTRIBUTE_PREFIX.length)] = value;
    }
  }
  return {
    id: item.id as string,
    name: (item.name as string | undefined) ?? (item.id as string),
    type: (item.type as string | undefined) ?? null,
    region: (item.region as string | undefined) ?? null,
    metrics,
    asOf: item.asOf as string,
    updatedAt: item.updatedAt as string,
  };
}

function merge(old: PartnerRecord | null, upsert: PartnerUpsert, now: string): PartnerRecord {
  const metrics = { ...(old?.metrics ?? {}) };
  for (const [metric, value] of Object.entries(upsert.metrics)) {
    if (value === null) delete metrics[metric];
    else metrics[metric] = value;
  }
  return {
    id: upsert.id,
    name: upsert.name ?? old?.name ?? upsert.id,
    type: upsert.type === undefined ? (old?.type ?? null) : upsert.type,
    region: upsert.region === undefined ? (old?.region ?? null) : upsert.region,
    metrics,
    asOf: upsert.asOf,
    updatedAt: now,
  };
}

function sameData(a: PartnerRecord, b: PartnerRecord): boolean {
  if (a.name !== b.name || a.type !== b.type || a.region !== b.region) return false;
  const aKeys = Object.keys(a.metrics);
  if (aKeys.length !== Object.keys(b.metrics).length) return false;
  return aKeys.every((k) => a.metrics[k] === b.metrics[k]);
}
