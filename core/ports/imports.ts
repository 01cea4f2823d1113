/** Ports of CSV imports. */
import type { ImportRowError, ImportStatusBody } from '../api/imports.schema.ts';

export type ImportStatus = ImportStatusBody['status'];

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
  /** Claims `source` for `owner` (the execution's ARN: a retried claim step finds its own claim). */
  claim(source: ImportSource, owner: string): Promise<ImportClaim>;
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
