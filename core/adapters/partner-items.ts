import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { PartnerRecord, PartnerUpsert } from '../ports.ts';

// How a partner is an item of the single table: one top-level attribute per metric, a tombstone
// once deleted.

type Item = Record<string, unknown>;

/** Prefix of the top-level attribute holding one metric (`m_sales`), keyed by normalised name. */
export const METRIC_ATTRIBUTE_PREFIX = 'm_';

/** Attribute that marks a partner item as a tombstone (a deleted partner). */
export const DELETED_AT = 'deletedAt';

/** Whether a partner item is a deleted partner's tombstone (reads skip it). */
export function isTombstone(item: Item): boolean {
  return item[DELETED_AT] !== undefined;
}

/** A metric value as a DynamoDB number (what the document client's marshaller sends). */
export function numberValue(value: number): AttributeValue {
  if (!Number.isFinite(value)) throw new Error(`metric value ${value} is not a finite number`);
  return { N: value.toString() };
}

/** The string and number attributes of a low-level item (all a partner item holds that is read). */
export function fromAttributeValues(attributes: Record<string, AttributeValue>): Item {
  const item: Item = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value.S !== undefined) item[name] = value.S;
    else if (value.N !== undefined) item[name] = Number(value.N);
  }
  return item;
}

/** A stored partner item as a {@link PartnerRecord}. */
export function toPartnerRecord(item: Item): PartnerRecord {
  const metrics = metricsOf(item);
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

/** The metrics of a stored item (`m_<name>` attributes), by normalised name. */
export function metricsOf(item: Item): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const attribute in item) {
    const value = item[attribute];
    if (typeof value === 'number' && attribute.startsWith(METRIC_ATTRIBUTE_PREFIX)) {
      metrics[attribute.slice(METRIC_ATTRIBUTE_PREFIX.length)] = value;
    }
  }
  return metrics;
}

/** The partner an upsert makes of the stored one (`null` metrics removed, absent fields kept). */
export function merge(old: PartnerRecord | null, upsert: PartnerUpsert, now: string): PartnerRecord {
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

/** Whether two partners hold the same fields and metrics (`asOf` and `updatedAt` aside). */
export function sameData(a: PartnerRecord, b: PartnerRecord): boolean {
  if (a.name !== b.name || a.type !== b.type || a.region !== b.region) return false;
  const aKeys = Object.keys(a.metrics);
  if (aKeys.length !== Object.keys(b.metrics).length) return false;
  return aKeys.every((k) => a.metrics[k] === b.metrics[k]);
}

/**
 * The UpdateItem of an upsert, as low-level attribute values: SET the given fields and metrics and
 * `updatedAt` = `now`, REMOVE nulls and a tombstone's marks (a newer upsert revives a deleted
 * partner), keep the rest.
 */
export function upsertExpression(
  upsert: PartnerUpsert,
  now: string,
): { expression: string; names: Record<string, string>; values: Record<string, AttributeValue> } {
  const names: Record<string, string> = {
    '#asOf': 'asOf',
    '#updatedAt': 'updatedAt',
    '#id': 'id',
    '#name': 'name',
    '#deletedAt': DELETED_AT,
    '#expiresAt': 'expiresAt',
  };
  const values: Record<string, AttributeValue> = {
    ':asOf': { S: upsert.asOf },
    ':now': { S: now },
    ':id': { S: upsert.id },
  };
  const set = ['#id = :id', '#asOf = :asOf', '#updatedAt = :now'];
  // A newer upsert after a delete creates the partner again: the tombstone's marks go.
  const remove: string[] = ['#deletedAt', '#expiresAt'];
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
  return { expression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`, names, values };
}
