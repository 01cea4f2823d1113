import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import type { OfferRecord } from '../leads/lead-store.ts';
import { type Item, itemOfOffer, toOffer } from './lead-items.ts';
import { getItem, isConditionFailure, type LeadTable, ttlOf } from './lead-table.ts';

/** Stores an offer once (a second put of the same offer changes nothing). */
export async function putOffer(table: LeadTable, offer: OfferRecord): Promise<void> {
  try {
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...keys.leadOffer(offer.partnerId, offer.offerId),
          ...itemOfOffer(offer),
          expiresAt: ttlOf(table),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** One offer of a partner; null when there is none. */
export async function getOffer(
  table: LeadTable,
  partnerId: string,
  offerId: string,
): Promise<OfferRecord | null> {
  const item = await getItem(table, keys.leadOffer(partnerId, offerId));
  return item ? toOffer(item) : null;
}

/** A partner's open offers, earliest deadline first. */
export async function openOffers(table: LeadTable, partnerId: string): Promise<OfferRecord[]> {
  const offers: OfferRecord[] = [];
  let startKey: Item | undefined;
  do {
    const output = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
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
  return offers.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.offerId.localeCompare(b.offerId));
}

/** Closes an open offer with `outcome`; `changed` false (and the offer as stored) when it was not open. */
export async function answerOffer(
  table: LeadTable,
  partnerId: string,
  offerId: string,
  outcome: 'accepted' | 'declined' | 'expired',
  at: string,
): Promise<{ offer: OfferRecord | null; changed: boolean }> {
  try {
    const output = await table.client.send(
      new UpdateCommand({
        TableName: table.tableName,
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
    return { offer: await getOffer(table, partnerId, offerId), changed: false };
  }
}

/** Records the callback that waits for the partner's answer to an offer. */
export async function setCallback(
  table: LeadTable,
  partnerId: string,
  offerId: string,
  callbackId: string,
): Promise<void> {
  await table.client.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: keys.leadOffer(partnerId, offerId),
      UpdateExpression: 'SET callbackId = :callback',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':callback': callbackId },
    }),
  );
}
