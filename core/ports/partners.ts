/** Ports of partner data. */
import type { UpsertResult } from '../api/partners.schema.ts';
import type { ScorablePartner } from '../scoring/columns.ts';

/** A partner as stored. Metric keys are normalised names (`communicationfrequency`). */
export interface PartnerRecord {
  id: string;
  name: string;
  type: string | null;
  region: string | null;
  metrics: Record<string, number>;
  /** ISO-8601 time the data describes (last applied upsert's `asOf`). */
  asOf: string;
  /** ISO-8601 time the item was last written. */
  updatedAt: string;
}

/** One partner to merge into the store: given metrics overwrite, `null` removes, missing stay. */
export interface PartnerUpsert {
  id: string;
  name?: string;
  type?: string | null;
  region?: string | null;
  metrics: Record<string, number | null>;
  asOf: string;
  /** What wrote it (an import's id); lets an import see an id written twice by the same file. */
  source?: string;
}

export type UpsertStatus = UpsertResult['status'];

export interface UpsertOutcome {
  id: string;
  status: UpsertStatus;
  /** The stored partner after the write (for `stale`: as stored, when known). */
  partner: PartnerRecord | null;
  /** `source` of the write this one replaced, when there was one. */
  previousSource?: string | null;
}

/** Partner data: upserts with merge and stale guard, reads, deletes, full reads for a run. */
export interface PartnerStore {
  upsert(items: readonly PartnerUpsert[]): Promise<UpsertOutcome[]>;
  get(id: string): Promise<PartnerRecord | null>;
  /** `false` when the partner did not exist. */
  delete(id: string): Promise<boolean>;
  /** Every partner of one key shard, in pages; a run reads all shards in parallel. */
  readShard(shard: number): AsyncIterable<PartnerRecord[]>;
  /**
   * What scoring needs of every partner of one key shard (id, `asOf`, the named metrics), in pages:
   * a lighter, eventually consistent read for answers that store nothing (the model preview).
   */
  readScorable(shard: number, metrics: readonly string[]): AsyncIterable<ScorablePartner[]>;
  /**
   * Ids of the partners written at or after `since` (ISO-8601), from the change journal each write
   * batch appends to before it writes; may name partners that did not change. Strongly consistent.
   */
  changedSince(since: string): Promise<string[]>;
  /** What scoring needs of the named partners, strongly consistent; deleted and unknown ones left out. */
  readScorableByIds(ids: readonly string[], metrics: readonly string[]): Promise<ScorablePartner[]>;
}
