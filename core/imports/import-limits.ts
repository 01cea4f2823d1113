/** Limits on every imported file (docs/csv-import.md). */
export const IMPORT_LIMITS = {
  /** Largest file accepted. */
  maxBytes: 512 * 1024 * 1024,
  /** Most data rows read from one file; the rest of a longer file is not imported. */
  maxRows: 5_000_000,
  /** Longest header line. */
  maxHeaderBytes: 64 * 1024,
  /**
   * Longest record csv-parse buffers (a row's bytes, quoted line breaks included), at least: a
   * safety limit far above any row whose fields keep the 1,000-character rule (see `recordLimit`).
   * csv-parse cannot resume after a longer record, so one ends the import (an unclosed quote, say).
   */
  maxRecordBytes: 16 * 1024 * 1024,
  /** Ceiling of the per-file record limit, which grows with the header's column count. */
  maxRecordBytesWide: 64 * 1024 * 1024,
  /** Row errors kept in the import record (all of them go to the error report). */
  maxErrors: 100,
  /** Warnings kept in the import record. */
  maxWarnings: 100,
} as const;

/** How an import reads and writes a file (the defaults: {@link DEFAULT_IMPORT_OPTIONS}). */
export interface ImportOptions {
  /** Rows per durable step: the most work a crash can make the import do again. */
  stepRows: number;
  /** Rows parsed before their writes are sent (concurrently, by the partner store). */
  writeRows: number;
  /** Largest file imported (tests use a small one); a larger file ends the import `failed`. */
  maxBytes: number;
}

/** The options of an import when nothing overrides them. */
export const DEFAULT_IMPORT_OPTIONS: ImportOptions = {
  stepRows: 10_000,
  writeRows: 2_000,
  maxBytes: IMPORT_LIMITS.maxBytes,
};
