import type { DistributionHead, LeadListEntry, LeadStatus, OfferRecord } from '../leads/lead-store.ts';
import type { Candidate, PartnerCounters } from '../leads/selection.ts';

/** A table item as the document client reads and writes it. */
export type Item = Record<string, unknown>;

/**
 * Decisions as stored: each candidate a tuple `[partnerId, weight, entitled, offered]` with numbers to
 * 9 significant digits (a decision of 20 candidates in well under 1 KB; one write unit per KB).
 */
export function compactDecisions(key: string, value: unknown): unknown {
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

/** `JSON.parse` reviver: reverses {@link compactDecisions}. */
export function expandDecisions(key: string, value: unknown): unknown {
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

/** Encodes a head's `recent` as text: `version:shard,shard;…` (`*` for all shards). */
export function encodeRecent(recent: DistributionHead['recent']): string {
  return recent
    .map((entry) => `${entry.version}:${entry.shards === 'all' ? '*' : entry.shards.join(',')}`)
    .join(';');
}

/** Reverses {@link encodeRecent} (an absent or empty attribute: none). */
export function decodeRecent(text: unknown): DistributionHead['recent'] {
  if (typeof text !== 'string' || text === '') return [];
  return text.split(';').map((part) => {
    const [version, shards = ''] = part.split(':');
    return {
      version: Number(version),
      shards: shards === '*' ? ('all' as const) : shards === '' ? [] : shards.split(',').map(Number),
    };
  });
}

/** A lead log item as a list entry. */
export function toListEntry(item: Item): LeadListEntry {
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
export function itemOfOffer(offer: OfferRecord): Item {
  const { expiresAt, ...rest } = offer;
  return { ...rest, deadline: expiresAt };
}

/** Reverses {@link itemOfOffer}. */
export function toOffer(item: Item): OfferRecord {
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

/** Reverses {@link encodeEntries}; no data: no entries. */
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
