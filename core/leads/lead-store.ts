import type { DistributionPolicy } from './policy.ts';
import type { Decision, PartnerCounters } from './selection.ts';

export type LeadStatus = 'new' | 'offered' | 'accepted' | 'unassigned';
export type OfferOutcome = 'open' | 'accepted' | 'declined' | 'expired';

/** One offer as the lead keeps it (its outcome lives on the offer item). */
export interface LeadOfferEntry {
  offerId: string;
  partnerId: string;
  offeredAt: string;
  expiresAt: string;
  assignedBy: string | null;
  decision: Decision | null;
}

export interface LeadRecord {
  leadId: string;
  externalId: string;
  region: string | null;
  type: string | null;
  value: number | null;
  minTier: string | null;
  status: LeadStatus;
  createdAt: string;
  updatedAt: string;
  period: string;
  /** Decisions made: offers, and the final `unassigned` one. */
  attempts: number;
  offers: LeadOfferEntry[];
  unassignedReason: string | null;
}

export interface OfferRecord {
  offerId: string;
  leadId: string;
  partnerId: string;
  offeredAt: string;
  expiresAt: string;
  outcome: OfferOutcome;
  answeredAt: string | null;
  assignedBy: string | null;
  /** The lead workflow's callback waiting for the answer; null until the workflow stored it. */
  callbackId: string | null;
  period: string;
  lead: { externalId: string; region: string | null; type: string | null; value: number | null };
}

/**
 * A state change of the distribution, written first to the period's head (conditional on its
 * version) and then applied to the lead, the offer and the counter shards; whoever reads the head
 * next applies it again if it was not (every apply write is idempotent).
 */
export interface Transition {
  version: number;
  kind: 'offer' | 'unassign' | 'accept' | 'fold';
  leadId: string | null;
  attempt: number;
  /** Absolute counters of the partners it changes. */
  counters: Record<string, PartnerCounters>;
  offer: OfferRecord | null;
  leadOffer: LeadOfferEntry | null;
  unassignedReason: string | null;
  at: string;
  /** For `fold`: the ranking folded from, and its accumulators. */
  fold: { fromRunId: string; accumulators: Record<string, number> } | null;
}

/** The distribution state of a period: accumulators, the ranking they belong to, the last transition. */
export interface DistributionHead {
  period: string;
  version: number;
  runId: string | null;
  accumulators: Record<string, number>;
  pending: Transition | null;
  /**
   * The shards each of the last {@link RECENT_TRANSITIONS} transitions changed (`all` for a fold), so
   * a process holding the shards as of an earlier version re-reads only those.
   */
  recent: { version: number; shards: number[] | 'all' }[];
}

/** Transitions the head remembers the shards of. */
export const RECENT_TRANSITIONS = 16;

/** Counters of the partners hashed to one shard, and the head version last applied to it. */
export interface CounterShard {
  applied: number;
  entries: Map<string, PartnerCounters>;
}

/** One page of the lead list. */
export interface LeadListEntry {
  leadId: string;
  externalId: string;
  status: LeadStatus;
  region: string | null;
  type: string | null;
  value: number | null;
  createdAt: string;
  partnerId: string | null;
  expiresAt: string | null;
}

/** Storage of leads, offers and the distribution state (`core/adapters/dynamo-lead-store.ts`). */
export interface LeadStore {
  getPolicy(): Promise<DistributionPolicy | null>;
  putPolicy(policy: DistributionPolicy): Promise<void>;
  /** Creates the lead (and its list entry) unless it exists; `false` when it did. */
  createLead(lead: LeadRecord): Promise<boolean>;
  getLead(leadId: string): Promise<LeadRecord | null>;
  listLeads(options: {
    status?: LeadStatus;
    partnerId?: string;
    limit: number;
    after?: string;
  }): Promise<{ items: LeadListEntry[]; last: string | null }>;
  getHead(period: string): Promise<DistributionHead | null>;
  /** Writes the head if its stored version is `expected` (`null`: none stored); `false` otherwise. */
  putHead(head: DistributionHead, expected: number | null): Promise<boolean>;
  /** The counter shards of a period (only the given ones, or all); strongly consistent. */
  readShards(period: string, only?: readonly number[]): Promise<Map<number, CounterShard>>;
  /** Writes a shard unless a version ≥ `applied` was written already. */
  writeShard(period: string, shard: number, shardState: CounterShard): Promise<void>;
  /** Applies an offer transition to the lead (idempotent: only from `attempt − 1`). */
  recordOffer(leadId: string, attempt: number, entry: LeadOfferEntry, at: string): Promise<void>;
  recordUnassigned(leadId: string, attempt: number, reason: string, at: string): Promise<void>;
  recordAccepted(leadId: string, at: string): Promise<void>;
  /** Creates an offer unless it exists. */
  putOffer(offer: OfferRecord): Promise<void>;
  getOffer(partnerId: string, offerId: string): Promise<OfferRecord | null>;
  /** Open offers of a partner. */
  openOffers(partnerId: string): Promise<OfferRecord[]>;
  /** `open → outcome`; the offer as it is afterwards, and whether this call changed it. */
  answerOffer(
    partnerId: string,
    offerId: string,
    outcome: 'accepted' | 'declined' | 'expired',
    at: string,
  ): Promise<{ offer: OfferRecord | null; changed: boolean }>;
  setCallback(partnerId: string, offerId: string, callbackId: string): Promise<void>;
}

/** Shards the counters of a period are hashed over: ~20 partners each at 10,000 (one write unit per shard write). */
export const COUNTER_SHARDS = 512;

/** FNV-1a of a partner id, mod {@link COUNTER_SHARDS}. */
export function counterShard(partnerId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < partnerId.length; i++) {
    hash ^= partnerId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % COUNTER_SHARDS;
}
