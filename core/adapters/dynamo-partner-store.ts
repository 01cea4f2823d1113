import {
  type AttributeValue,
  ConditionalCheckFailedException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../concurrency.ts';
import { keys } from '../keys.ts';
import type { PartnerRecord, PartnerStore, PartnerUpsert, UpsertOutcome, UpsertStatus } from '../ports.ts';

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

  /**
   * Sent as a low-level `UpdateItemCommand` with the few string and number values marshalled here:
   * an import is bound by the SDK's CPU cost per request, and skipping the document client's
   * marshalling middleware took a 10,000-upsert probe from ~1,660 to ~2,080 writes/s in a
   * one-off probe (docs/csv-import.md, "Import speed"). Same request, same guarantees.
   */
  private async upsertOne(upsert: PartnerUpsert): Promise<UpsertOutcome> {
    const now = new Date().toISOString();
    const names: Record<string, string> = {
      '#asOf': 'asOf',
      '#updatedAt': 'updatedAt',
      '#id': 'id',
      '#name': 'name',
    };
    const values: Record<string, AttributeValue> = {
      ':asOf': { S: upsert.asOf },
      ':now': { S: now },
      ':id': { S: upsert.id },
    };
    const set = ['#id = :id', '#asOf = :asOf', '#updatedAt = :now'];
    const remove: string[] = [];
    if (upsert.name !== undefined) {
      values[':name'] = { S: upsert.name };
      set.push('#name = :name');
    } else set.push('#name = if_not_exists(#name, :id)');
    for (const field of ['type', 'region'] as const) {
      const value = upsert[field];
      if (value === undefined) continue;
      names[`#${field}`] = field;
      if (value === null) remove.push(`#${field}`);
      else {
        values[`:${field}`] = { S: value };
        set.push(`#${field} = :${field}`);
      }
    }
    if (upsert.source !== undefined) {
      names['#source'] = 'source';
      values[':source'] = { S: upsert.source };
      set.push('#source = :source');
    }
    let n = 0;
    for (const [metric, value] of Object.entries(upsert.metrics)) {
      const placeholder = `#m${n}`;
      names[placeholder] = METRIC_ATTRIBUTE_PREFIX + metric;
      if (value === null) remove.push(placeholder);
      else {
        values[`:m${n}`] = numberValue(value);
        set.push(`${placeholder} = :m${n}`);
      }
      n++;
    }
    const key = keys.partner(upsert.id);
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: key.pk }, sk: { S: key.sk } },
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(pk) OR #asOf <= :asOf',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      const oldItem = output.Attributes ? fromAttributeValues(output.Attributes) : null;
      const old = oldItem ? toPartnerRecord(oldItem) : null;
      const partner = merge(old, upsert, now);
      const status: UpsertStatus =
        old === null ? 'created' : sameData(old, partner) ? 'unchanged' : 'updated';
      return {
        id: upsert.id,
        status,
        partner,
        previousSource: (oldItem?.source as string | undefined) ?? null,
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { id: upsert.id, status: 'stale', partner: null };
      }
      throw error;
    }
  }
}

/** A metric value as a DynamoDB number (what the document client's marshaller sends). */
function numberValue(value: number): AttributeValue {
  if (!Number.isFinite(value)) throw new Error(`metric value ${value} is not a finite number`);
  return { N: value.toString() };
}

/** The string and number attributes of a low-level item (all a partner item holds that is read). */
function fromAttributeValues(attributes: Record<string, AttributeValue>): Item {
  const item: Item = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value.S !== undefined) item[name] = value.S;
    else if (value.N !== undefined) item[name] = Number(value.N);
  }
  return item;
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
