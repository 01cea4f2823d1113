import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import {
  COUNTER_SHARDS,
  type CounterShard,
  type DistributionHead,
  type LeadListEntry,
  type LeadOfferEntry,
  type LeadRecord,
  type LeadStatus,
  type LeadStore,
  type OfferRecord,
  type Transition,
} from '../leads/lead-store.ts';
import type { DistributionPolicy } from '../leads/policy.ts';
import type { Candidate, Decision, PartnerCounters } from '../leads/selection.ts';

type Item = Record<string, unknown>;

/** Leads, offers and offer items are kept this long (DynamoDB TTL). */
const RETENTION_SECONDS = 400 * 86_400;
/** Keys per BatchGetItem. */
const BATCH_GET = 100;

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

/**
 * {@link LeadStore} on the single table. The counters of a period are packed, a few partners per
 * item, into {@link COUNTER_SHARDS} binary shard items (`DIST#<period>#<shard>`), so that one choice
 * among 10,000 partners reads them with a few parallel BatchGetItems and writes one or two small
 * items; the head (`DIST#<period>`, `HEAD`) holds the cohort accumulators and the last transition.
 */
export class DynamoLeadStore implements LeadStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async getPolicy(): Promise<DistributionPolicy | null> {
    const item = await this.get(keys.distributionPolicy);
    return item ? (item.policy as DistributionPolicy) : null;
  }

  async putPolicy(policy: DistributionPolicy): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...keys.distributionPolicy, policy } }),
    );
  }

  async createLead(lead: LeadRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.lead(lead.leadId), ...lead, expiresAt: this.ttl() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    // The lead joins the list with its first decision (one write fewer per lead).
    return true;
  }

  async getLead(leadId: string): Promise<LeadRecord | null> {
    const item = await this.get(keys.lead(leadId));
    if (!item) return null;
    const { pk: _pk, sk: _sk, expiresAt: _ttl, offers, ...lead } = item;
    return {
      ...(lead as unknown as Omit<LeadRecord, 'offers'>),
      offers: (offers as Item[]).map((offer) => ({
        ...(offer as unknown as LeadOfferEntry),
        decision: offer.decision ? (JSON.parse(String(offer.decision), expandDecisions) as Decision) : null,
      })),
    };
  }

  async listLeads(options: {
    status?: LeadStatus;
    partnerId?: string;
    limit: number;
    after?: string;
  }): Promise<{ items: LeadListEntry[]; last: string | null }> {
    const items: LeadListEntry[] = [];
    let startKey: Item | undefined = options.after ? { pk: keys.leadLogPk, sk: options.after } : undefined;
    const filters: string[] = [];
    const values: Item = { ':pk': keys.leadLogPk };
    if (options.status) {
      filters.push('#status = :status');
      values[':status'] = options.status;
    }
    if (options.partnerId) {
      filters.push('partnerId = :partner');
      values[':partner'] = options.partnerId;
    }
    let last: string | null = null;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: values,
          ...(filters.length > 0
            ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: { '#status': 'status' } }
            : {}),
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          Limit: Math.max(options.limit - items.length, 1) * (filters.length > 0 ? 4 : 1),
        }),
      );
      for (const item of output.Items ?? []) {
        if (items.length === options.limit) break;
        items.push(toListEntry(item));
        last = String(item.sk);
      }
      startKey = output.LastEvaluatedKey;
      if (items.length === options.limit)
        return { items, last: startKey || output.Items?.length ? last : null };
    } while (startKey);
    return { items, last: null };
  }

  async getHead(period: string): Promise<DistributionHead | null> {
    const item = await this.get(keys.distributionHead(period));
    if (!item) return null;
    return {
      period,
      version: Number(item.version),
      runId: typeof item.runId === 'string' ? item.runId : null,
      accumulators: JSON.parse(String(item.accumulators ?? '{}')) as Record<string, number>,
      pending: item.pending ? (JSON.parse(String(item.pending), expandDecisions) as Transition) : null,
      recent: decodeRecent(item.recent),
    };
  }

  async putHead(head: DistributionHead, expected: number | null): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.distributionHead(head.period),
            version: head.version,
            runId: head.runId,
            // JSON text: cohort keys hold any characters, and numbers keep every bit.
            accumulators: JSON.stringify(head.accumulators),
            pending: head.pending ? JSON.stringify(head.pending, compactDecisions) : null,
            recent: encodeRecent(head.recent),
            expiresAt: this.ttl(),
          },
          ConditionExpression: expected === null ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(expected === null ? {} : { ExpressionAttributeValues: { ':expected': expected } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async readShards(period: string, only?: readonly number[]): Promise<Map<number, CounterShard>> {
    const shards = new Map<number, CounterShard>();
    const numbers = only ?? Array.from({ length: COUNTER_SHARDS }, (_, shard) => shard);
    const all: Item[] = numbers.map((shard) => ({ ...keys.distributionShard(period, shard) }));
    const batches: Item[][] = [];
    for (let i = 0; i < all.length; i += BATCH_GET) batches.push(all.slice(i, i + BATCH_GET));
    await Promise.all(
      batches.map(async (batch) => {
        let pending: Item[] = batch;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
          const output = await this.client.send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
            }),
          );
          for (const item of output.Responses?.[this.tableName] ?? []) {
            const shard = Number(String(item.pk).split('#').at(-1));
            shards.set(shard, {
              applied: Number(item.applied),
              entries: decodeEntries(item.e as Uint8Array),
            });
          }
          pending = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        }
      }),
    );
    return shards;
  }

  async writeShard(period: string, shard: number, state: CounterShard): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.distributionShard(period, shard),
            applied: state.applied,
            e: encodeEntries(state.entries),
            expiresAt: this.ttl(),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR applied < :applied',
          ExpressionAttributeValues: { ':applied': state.applied },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async recordOffer(leadId: string, attempt: number, entry: LeadOfferEntry, at: string): Promise<void> {
    const lead = await this.conditionalLeadUpdate(leadId, {
      UpdateExpression:
        'SET attempts = :attempt, offers = list_append(offers, :offer), #status = :offered, updatedAt = :at',
      ConditionExpression: 'attempts = :previous',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':attempt': attempt,
        ':previous': attempt - 1,
        ':offer': [
          { ...entry, decision: entry.decision ? JSON.stringify(entry.decision, compactDecisions) : null },
        ],
        ':offered': 'offered',
        ':at': at,
      },
    });
    if (lead) await this.putLogEntry(lead, entry.partnerId, entry.expiresAt);
  }

  async recordUnassigned(leadId: string, attempt: number, reason: string, at: string): Promise<void> {
    const lead = await this.conditionalLeadUpdate(leadId, {
      UpdateExpression:
        'SET attempts = :attempt, #status = :unassigned, unassignedReason = :reason, updatedAt = :at',
      ConditionExpression: 'attempts = :previous',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':attempt': attempt,
        ':previous': attempt - 1,
        ':unassigned': 'unassigned',
        ':reason': reason,
        ':at': at,
      },
    });
    if (lead) await this.putLogEntry(lead, lead.offers.at(-1)?.partnerId ?? null, null);
  }

  async recordAccepted(leadId: string, at: string): Promise<void> {
    const lead = await this.conditionalLeadUpdate(leadId, {
      UpdateExpression: 'SET #status = :accepted, updatedAt = :at',
      ConditionExpression: '#status = :offered',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':accepted': 'accepted', ':offered': 'offered', ':at': at },
    });
    if (lead) await this.putLogEntry(lead, lead.offers.at(-1)?.partnerId ?? null, null);
  }

  async putOffer(offer: OfferRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.leadOffer(offer.partnerId, offer.offerId),
            ...itemOfOffer(offer),
            expiresAt: this.ttl(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async getOffer(partnerId: string, offerId: string): Promise<OfferRecord | null> {
    const item = await this.get(keys.leadOffer(partnerId, offerId));
    return item ? toOffer(item) : null;
  }

  async openOffers(partnerId: string): Promise<OfferRecord[]> {
    const offers: OfferRecord[] = [];
    let startKey: Item | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'outcome = :open',
          ExpressionAttributeValues: { ':pk': keys.leadOffersPk(partnerId), ':open': 'open' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      offers.push(...(output.Items ?? []).map(toOffer));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return offers.sort(
      (a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.offerId.localeCompare(b.offerId),
    );
  }

  async answerOffer(
    partnerId: string,
    offerId: string,
    outcome: 'accepted' | 'declined' | 'expired',
    at: string,
  ): Promise<{ offer: OfferRecord | null; changed: boolean }> {
    try {
      const output = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.leadOffer(partnerId, offerId),
          UpdateExpression: 'SET outcome = :outcome, answeredAt = :at',
          ConditionExpression: 'outcome = :open',
          ExpressionAttributeValues: { ':outcome': outcome, ':open': 'open', ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { offer: output.Attributes ? toOffer(output.Attributes) : null, changed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { offer: await this.getOffer(partnerId, offerId), changed: false };
    }
  }

  async setCallback(partnerId: string, offerId: string, callbackId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.leadOffer(partnerId, offerId),
        UpdateExpression: 'SET callbackId = :callback',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':callback': callbackId },
      }),
    );
  }

  private async conditionalLeadUpdate(
    leadId: string,
    update: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
  ): Promise<LeadRecord | null> {
    try {
      const output = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.lead(leadId),
          ReturnValues: 'ALL_NEW',
          ...update,
        }),
      );
      const { offers, ...lead } = output.Attributes as Item;
      return { ...(lead as unknown as Omit<LeadRecord, 'offers'>), offers: offers as LeadOfferEntry[] };
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  private async putLogEntry(lead: LeadRecord, partnerId: string | null, expiresAt: string | null) {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.leadLogEntry(lead.createdAt, lead.leadId),
          leadId: lead.leadId,
          externalId: lead.externalId,
          status: lead.status,
          region: lead.region,
          type: lead.type,
          value: lead.value,
          createdAt: lead.createdAt,
          partnerId,
          deadline: expiresAt,
          expiresAt: this.ttl(),
        },
      }),
    );
  }

  private async get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return output.Item;
  }

  private ttl(): number {
    return Math.floor(this.now() / 1000) + RETENTION_SECONDS;
  }
}

/**
 * Decisions as stored: each candidate a tuple `[partnerId, weight, entitled, offered]` with numbers to
 * 9 significant digits (a decision of 20 candidates in well under 1 KB; one write unit per KB).
 */
function compactDecisions(key: string, value: unknown): unknown {
  if (key === 'candidates' && Array.isArray(value)) {
    return (value as Candidate[]).map((c) => [
      c.partnerId,
      precise(c.weight),
      precise(c.entitled),
      c.offered,
    ]);
  }
  return value;
}

function expandDecisions(key: string, value: unknown): unknown {
  if (key === 'candidates' && Array.isArray(value)) {
    return (value as [string, number, number, number][]).map(([partnerId, weight, entitled, offered]) => ({
      partnerId,
      weight,
      entitled,
      offered,
    }));
  }
  return value;
}

const precise = (value: number) => Number(value.toPrecision(9));

/** `recent` as text: `version:shard,shard;…` (`*` for all shards). */
function encodeRecent(recent: DistributionHead['recent']): string {
  return recent
    .map((entry) => `${entry.version}:${entry.shards === 'all' ? '*' : entry.shards.join(',')}`)
    .join(';');
}

function decodeRecent(text: unknown): DistributionHead['recent'] {
  if (typeof text !== 'string' || text === '') return [];
  return text.split(';').map((part) => {
    const [version, shards = ''] = part.split(':');
    return {
      version: Number(version),
      shards: shards === '*' ? ('all' as const) : shards === '' ? [] : shards.split(',').map(Number),
    };
  });
}

function toListEntry(item: Item): LeadListEntry {
  return {
    leadId: String(item.leadId),
    externalId: String(item.externalId),
    status: item.status as LeadStatus,
    region: (item.region as string | null) ?? null,
    type: (item.type as string | null) ?? null,
    value: (item.value as number | null) ?? null,
    createdAt: String(item.createdAt),
    partnerId: (item.partnerId as string | null) ?? null,
    expiresAt: (item.deadline as string | null) ?? null,
  };
}

/** The offer's deadline is stored as `deadline`: `expiresAt` is the table's TTL attribute. */
function itemOfOffer(offer: OfferRecord): Item {
  const { expiresAt, ...rest } = offer;
  return { ...rest, deadline: expiresAt };
}

function toOffer(item: Item): OfferRecord {
  return {
    offerId: String(item.offerId),
    leadId: String(item.leadId),
    partnerId: String(item.partnerId),
    offeredAt: String(item.offeredAt),
    expiresAt: String(item.deadline),
    outcome: item.outcome as OfferRecord['outcome'],
    answeredAt: (item.answeredAt as string | null) ?? null,
    assignedBy: (item.assignedBy as string | null) ?? null,
    callbackId: (item.callbackId as string | null) ?? null,
    period: String(item.period),
    lead: item.lead as OfferRecord['lead'],
  };
}

/** Per entry: id length (u16), id (UTF-8), offered/accepted/declined/expired (u32), base/ref/frozenAt (f64, NaN: not frozen). */
export function encodeEntries(entries: Map<string, PartnerCounters>): Uint8Array {
  const parts: Buffer[] = [];
  for (const [id, c] of entries) {
    const idBytes = Buffer.from(id, 'utf8');
    const buffer = Buffer.alloc(2 + idBytes.length + 16 + 24);
    let at = buffer.writeUInt16LE(idBytes.length, 0);
    at += idBytes.copy(buffer, at);
    at = buffer.writeUInt32LE(c.offered, at);
    at = buffer.writeUInt32LE(c.accepted, at);
    at = buffer.writeUInt32LE(c.declined, at);
    at = buffer.writeUInt32LE(c.expired, at);
    at = buffer.writeDoubleLE(c.base, at);
    at = buffer.writeDoubleLE(c.ref, at);
    buffer.writeDoubleLE(c.frozenAt ?? Number.NaN, at);
    parts.push(buffer);
  }
  return new Uint8Array(Buffer.concat(parts));
}

export function decodeEntries(data: Uint8Array | undefined): Map<string, PartnerCounters> {
  const entries = new Map<string, PartnerCounters>();
  if (!data) return entries;
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at < buffer.length) {
    const length = buffer.readUInt16LE(at);
    at += 2;
    const id = buffer.toString('utf8', at, at + length);
    at += length;
    const frozenAt = buffer.readDoubleLE(at + 32);
    entries.set(id, {
      offered: buffer.readUInt32LE(at),
      accepted: buffer.readUInt32LE(at + 4),
      declined: buffer.readUInt32LE(at + 8),
      expired: buffer.readUInt32LE(at + 12),
      base: buffer.readDoubleLE(at + 16),
      ref: buffer.readDoubleLE(at + 24),
      frozenAt: Number.isNaN(frozenAt) ? null : frozenAt,
    });
    at += 40;
  }
  return entries;
}
