import type { ScoringModel } from './model/scoring-model.ts';

/**
 * Ports: what the use cases in `core/` need from the outside world. Adapters for DynamoDB, S3 and
 * EventBridge live in `core/adapters/`; tests may use in-memory fakes for pure core logic.
 * Each port is owned by the part of the service that implements it and may grow methods there.
 */

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
}

export type UpsertStatus = 'created' | 'updated' | 'unchanged' | 'stale';

export interface UpsertOutcome {
  id: string;
  status: UpsertStatus;
  /** The stored partner after the write (for `stale`: as stored, when known). */
  partner: PartnerRecord | null;
}

/** Partner data: upserts with merge and stale guard, reads, deletes, full reads for a run. */
export interface PartnerStore {
  upsert(items: readonly PartnerUpsert[]): Promise<UpsertOutcome[]>;
  get(id: string): Promise<PartnerRecord | null>;
  /** `false` when the partner did not exist. */
  delete(id: string): Promise<boolean>;
  /** Every partner of one key shard, in pages; a run reads all shards in parallel. */
  readShard(shard: number): AsyncIterable<PartnerRecord[]>;
}

/** The active scoring model and its version (version 1 is the built-in default model). */
export interface ActiveModel {
  version: number;
  model: ScoringModel;
  activatedAt: string;
}

export interface ModelStore {
  getActive(): Promise<ActiveModel>;
  /** Stores the model as the next version and makes it active. */
  activate(model: ScoringModel): Promise<ActiveModel>;
}

export type RescoreReason = 'schedule' | 'manual' | 'import' | 'model';

/** Starts a rescore run, or returns the one already running. */
export interface RescoreRequester {
  request(reason: RescoreReason): Promise<{ runId: string; status: 'running' | 'completed' | 'failed' }>;
}

/** A domain event, as EventBridge delivers it (`detail-type`, `source`, `time`, `detail`). */
export interface DomainEvent {
  detailType: 'PartnerTierChanged' | 'RescoreCompleted';
  detail: Record<string, unknown>;
  time: string;
}

/** Where domain events go: EventBridge on AWS, an NDJSON file locally. */
export interface EventSink {
  publish(events: readonly DomainEvent[]): Promise<void>;
}
