import type { ScoringModel } from './model/scoring-model.ts';
import type { ScorablePartner } from './scoring/columns.ts';

/**
 * Ports: what the use cases in `core/` need from the outside world. Adapters for DynamoDB, S3 and
 * EventBridge live in `core/adapters/`; tests may use in-memory fakes for pure core logic.
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
  /** What wrote it (an import's id); lets an import see an id written twice by the same file. */
  source?: string;
}

export type UpsertStatus = 'created' | 'updated' | 'unchanged' | 'stale';

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

/** The active scoring model and its version (version 1 is the built-in default model). */
export interface ActiveModel {
  version: number;
  model: ScoringModel;
  activatedAt: string;
}

/** A stored model version as listed: `activatedAt` is null for the built-in version 1. */
export interface ModelVersionSummary {
  version: number;
  activatedAt: string | null;
}

export interface ModelStore {
  /**
   * The active model. Adapters may serve it from a short cache; `fresh` reads the stored pointer
   * (a run must score the model activated just before it, even in a warm container).
   */
  getActive(options?: { fresh?: boolean }): Promise<ActiveModel>;
  /** Stores the model as the next version and makes it active. */
  activate(model: ScoringModel): Promise<ActiveModel>;
  /** A stored version's model (version 1 is the built-in default); `null` when there is no such version. */
  getVersion(version: number): Promise<ScoringModel | null>;
  /** The `limit` newest versions, newest first, ending with the built-in version 1. */
  listVersions(limit: number): Promise<ModelVersionSummary[]>;
}

export type RescoreReason = 'schedule' | 'manual' | 'import' | 'model';

/** Starts a rescore run, or returns the one already running. */
export interface RescoreRequester {
  request(reason: RescoreReason): Promise<{ runId: string; status: 'running' | 'completed' | 'failed' }>;
}

/** A domain event, as EventBridge delivers it (`detail-type`, `source`, `time`, `detail`). */
export interface DomainEvent {
  /**
   * The event's stable id (see `eventId`): the same on every send of this event, so a consumer
   * drops a repeat by it. Sinks deliver it as `detail.eventId` (PutEvents takes no client id).
   */
  id: string;
  detailType:
    | 'PartnerTierChanged'
    | 'RescoreCompleted'
    | 'WorklistItemOpened'
    | 'LeadOffered'
    | 'LeadAccepted'
    | 'LeadUnassigned';
  detail: Record<string, unknown>;
  time: string;
}

/** Where domain events go: EventBridge on AWS, an NDJSON file locally. */
export interface EventSink {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

export type ImportStatus = 'pending' | 'processing' | 'completed' | 'failed';

/** One rejected CSV row (or file-level problem): 1-based physical line where the row starts. */
export interface ImportRowError {
  line: number;
  column: string | null;
  message: string;
}

/** Where a partly processed file resumes: the next row's byte offset and line, the header's dialect. */
export interface ImportCheckpoint {
  offset: number;
  line: number;
  header: string[];
  delimiter: string;
  recordDelimiter: string;
  /** Error-report parts written so far (one per chunk that had rejected rows). */
  reportParts: number;
  /**
   * Which column holds what, mapped once from the header with the model active when the import
   * began: every chunk applies it, whatever model is active by then. Absent in checkpoints written
   * before it was kept (those map the header again).
   */
  mapping?: ImportHeaderMapping;
  /** Set when the file was read to its end here, or to a row that ends the import (`failure`). */
  end?: { failure: ImportRowError | null };
}

/** Columns (0-based) of the partner fields and of the metrics, as an import mapped its header. */
export interface ImportHeaderMapping {
  id: number;
  name: number | null;
  type: number | null;
  region: number | null;
  asOf: number | null;
  metrics: { index: number; metric: string }[];
}

/** A CSV import as stored (contract §3 `GET /imports/{importId}` plus the workflow's state). */
export interface ImportRecord {
  importId: string;
  status: ImportStatus;
  bucket: string | null;
  key: string;
  etag: string | null;
  /** S3's `sequencer` of the upload event this import is for: orders versions of one key. */
  sequencer: string | null;
  rowsTotal: number;
  rowsImported: number;
  rowsRejected: number;
  warnings: string[];
  /** The first 100 row errors. */
  errors: ImportRowError[];
  /** Object key of the error-report CSV, when rows were rejected. */
  errorReportKey: string | null;
  /** `asOf` for rows without one: the time the upload was received, fixed for retries. */
  asOf: string | null;
  checkpoint: ImportCheckpoint | null;
  /** The workflow execution that owns this import (its token): only it commits progress. */
  owner: string | null;
  /** Chunks of rows committed so far: the next commit must be chunk number `chunks`. */
  chunks: number;
  createdAt: string;
  updatedAt: string;
}

/** Progress an import reports (counts are totals for the whole file so far). */
export type ImportProgress = Pick<
  ImportRecord,
  'rowsTotal' | 'rowsImported' | 'rowsRejected' | 'warnings' | 'errors' | 'checkpoint'
>;

/** The object version an import reads: its ETag, and the upload event's `sequencer` (when S3 sent one). */
export interface ImportSource {
  importId: string;
  bucket: string;
  key: string;
  etag: string;
  sequencer?: string;
  asOf: string;
}

/**
 * What a claim found: `claimed` (this owner imports it, from the record's progress), `duplicate`
 * (this object version is imported, or being imported, by another execution), `older` (a newer
 * version of the key was uploaded after this one).
 */
export type ImportClaim =
  | { outcome: 'claimed'; record: ImportRecord }
  | { outcome: 'duplicate' | 'older'; record: ImportRecord };

/** What committing a chunk found: committed now, committed before (a re-run step), or superseded. */
export type ImportCommit =
  | { outcome: 'committed' }
  | { outcome: 'already'; record: ImportRecord }
  | { outcome: 'superseded' };

/**
 * Import records: one import per object version. A claim decides, with one conditional write,
 * which workflow execution owns an upload (a redelivered event for the same version finds the
 * existing one; an older version's late event never replaces a newer import); progress is committed
 * one chunk at a time on the condition that the owner holds it and the previous chunk is the last
 * one committed, so a chunk re-run after a crash is never counted twice.
 */
export interface ImportStore {
  createPending(importId: string, key: string, expiresAt: string): Promise<ImportRecord>;
  get(importId: string): Promise<ImportRecord | null>;
  /** The `limit` most recently created imports, newest first. */
  list(limit: number): Promise<ImportRecord[]>;
  /** Claims `source` for `owner`; `resumeOf` is the owner an execution started again takes over from. */
  claim(source: ImportSource, owner: string, resumeOf?: string): Promise<ImportClaim>;
  /** Saves the progress after chunk number `chunk` (0-based) while `owner` holds the import. */
  commit(importId: string, owner: string, chunk: number, progress: ImportProgress): Promise<ImportCommit>;
  /** Final state; `false` when another owner holds the import now. */
  finish(
    importId: string,
    owner: string,
    status: 'completed' | 'failed',
    progress: ImportProgress,
    errorReportKey: string | null,
  ): Promise<boolean>;
}

/** The objects of the bucket (S3). */
export interface ObjectStore {
  /** Streams an object (from byte `start`), failing if its ETag is no longer `etag`. */
  read(
    bucket: string,
    key: string,
    options?: { start?: number; etag?: string },
  ): Promise<{ body: NodeJS.ReadableStream; size: number; etag: string }>;
  /** Streams `body` into an object (multipart for large bodies). */
  write(
    bucket: string,
    key: string,
    body: NodeJS.ReadableStream | string,
    contentType: string,
  ): Promise<void>;
  delete(bucket: string, keys: readonly string[]): Promise<void>;
  /** Keys, ETags and times of the objects under `prefix` in this store's bucket. */
  list(prefix: string): AsyncIterable<{ key: string; etag: string; lastModified: Date }>;
  presignPut(key: string, contentType: string, expiresInSeconds: number): Promise<string>;
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
}

export interface InvokeOptions {
  /**
   * For a durable function: the execution's name (Lambda's `DurableExecutionName`). Invoking the
   * same name with the same payload again joins the existing execution instead of starting another.
   */
  executionName?: string;
}

/** Asynchronous invocation of another function (Lambda `InvocationType: 'Event'`). */
export interface FunctionInvoker {
  invokeAsync(functionName: string, payload: unknown, options?: InvokeOptions): Promise<void>;
}

// Ports of runs and rankings, defined beside their use cases.
export type { RankingStore } from './ranking/ranking-store.ts';
export type { RunStore } from './runs/run-store.ts';
