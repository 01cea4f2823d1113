import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import type {
  CounterShard,
  DistributionHead,
  LeadListEntry,
  LeadOfferEntry,
  LeadRecord,
  LeadStatus,
  LeadStore,
  OfferRecord,
} from '../leads/lead-store.ts';
import type { DistributionPolicy } from '../leads/policy.ts';
import type { Decision } from '../leads/selection.ts';
import { getHead, putHead, readShards, writeShard } from './dynamo-distribution-state.ts';
import { answerOffer, getOffer, openOffers, putOffer, setCallback } from './dynamo-offers.ts';
import { compactDecisions, expandDecisions, type Item, toListEntry } from './lead-items.ts';
import { getItem, isConditionFailure, type LeadTable, ttlOf } from './lead-table.ts';

/**
 * {@link LeadStore} on the single table. The counters of a period are packed, a few partners per
 * item, into `COUNTER_SHARDS` binary shard items (`DIST#<period>#<shard>`), so that one choice
 * among 10,000 partners reads them with a few parallel BatchGetItems and writes one or two small
 * items; the head (`DIST#<period>`, `HEAD`) holds the cohort accumulators and the last transition.
 */
export class DynamoLeadStore implements LeadStore {
  private readonly table: LeadTable;

  constructor(client: DynamoDBDocumentClient, tableName: string, now: () => number = Date.now) {
    this.table = { client, tableName, now };
  }

  async getPolicy(): Promise<DistributionPolicy | null> {
    const item = await getItem(this.table, keys.distributionPolicy);
    return item ? (item.policy as DistributionPolicy) : null;
  }

  async putPolicy(policy: DistributionPolicy): Promise<void> {
    await this.table.client.send(
      new PutCommand({ TableName: this.table.tableName, Item: { ...keys.distributionPolicy, policy } }),
    );
  }

  async createLead(lead: LeadRecord): Promise<boolean> {
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...keys.lead(lead.leadId), ...lead, expiresAt: ttlOf(this.table) },
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
    const item = await getItem(this.table, keys.lead(leadId));
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
      const output = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
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

  getHead(period: string): Promise<DistributionHead | null> {
    return getHead(this.table, period);
  }

  putHead(head: DistributionHead, expected: number | null): Promise<boolean> {
    return putHead(this.table, head, expected);
  }

  readShards(period: string, only?: readonly number[]): Promise<Map<number, CounterShard>> {
    return readShards(this.table, period, only);
  }

  writeShard(period: string, shard: number, state: CounterShard): Promise<void> {
    return writeShard(this.table, period, shard, state);
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

  putOffer(offer: OfferRecord): Promise<void> {
    return putOffer(this.table, offer);
  }

  getOffer(partnerId: string, offerId: string): Promise<OfferRecord | null> {
    return getOffer(this.table, partnerId, offerId);
  }

  openOffers(partnerId: string): Promise<OfferRecord[]> {
    return openOffers(this.table, partnerId);
  }

  answerOffer(
    partnerId: string,
    offerId: string,
    outcome: 'accepted' | 'declined' | 'expired',
    at: string,
  ): Promise<{ offer: OfferRecord | null; changed: boolean }> {
    return answerOffer(this.table, partnerId, offerId, outcome, at);
  }

  setCallback(partnerId: string, offerId: string, callbackId: string): Promise<void> {
    return setCallback(this.table, partnerId, offerId, callbackId);
  }

  private async conditionalLeadUpdate(
    leadId: string,
    update: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
  ): Promise<LeadRecord | null> {
    try {
      const output = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
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
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.tableName,
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
          expiresAt: ttlOf(this.table),
        },
      }),
    );
  }
}
