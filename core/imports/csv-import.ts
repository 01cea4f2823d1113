import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { type CsvError, type Options as CsvOptions, parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { type CsvDialect, detectDialect, headerLineOf } from '../csv/dialect.ts';
import { reportHeader, reportRow } from '../csv/error-report.ts';
import { type HeaderMap, mapHeader } from '../csv/header-map.ts';
import { MAX_FIELD_LENGTH, rowToUpsert } from '../csv/row-rules.ts';
import { NotFoundError } from '../errors.ts';
import { logger } from '../observability.ts';
import type {
  ImportCheckpoint,
  ImportProgress,
  ImportRowError,
  ImportSource,
  ImportStore,
  ModelStore,
  ObjectStore,
  PartnerStore,
  PartnerUpsert,
  RescoreRequester,
  UpsertOutcome,
} from '../ports.ts';
import { errorReportKey, errorReportPartKey } from './import-keys.ts';

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

export interface ImportOptions {
  /** Rows parsed before their writes are sent (concurrently, by the partner store). */
  chunkRows: number;
  /** Rows between two checkpoints of the import record. */
  checkpointRows: number;
  /** Time kept in reserve: when less remains, the import checkpoints and continues in a fresh invocation. */
  marginMs: number;
  /** How long a handed-over lease waits for the continuation before a retry may take over. */
  handoverLeaseMs: number;
}

const DEFAULT_OPTIONS: ImportOptions = {
  chunkRows: 2000,
  checkpointRows: 10_000,
  marginMs: 30_000,
  handoverLeaseMs: 15 * 60_000,
};

/** The event that continues an import in a fresh invocation of the import function. */
export interface ImportContinuation {
  importContinuation: { source: ImportSource; token: string };
}

export interface ImportDeps {
  partners: PartnerStore;
  imports: ImportStore;
  objects: ObjectStore;
  models: ModelStore;
  rescore: RescoreRequester;
  /** Starts the import function again with a continuation event (asynchronously). */
  continueLater(event: ImportContinuation): Promise<void>;
  /** Time left in this invocation (Lambda's `getRemainingTimeInMillis`). */
  remainingMs(): number;
  options?: Partial<ImportOptions>;
}

/** What one invocation did with an import. */
export type ImportRunOutcome = 'skipped' | 'continued' | 'completed' | 'failed';

interface ParsedRecord {
  fields: string[];
  line: number;
  /** Byte offset just after this record: where the next one starts. */
  end: number;
  /** Line where the next record starts. */
  nextLine: number;
  /** Records csv-parse had to skip since the previous one (malformed quoting, oversized). */
  skipped: ParseSkip[];
}

/** A record csv-parse skipped; `fatal` when it cannot resume after it (an oversized record). */
interface ParseSkip extends ImportRowError {
  fatal?: true;
}

/**
 * Imports one CSV object (contract §4), or the next part of it. Claims the import (so a redelivered
 * or concurrent event does nothing), streams the object from the last checkpoint through csv-parse,
 * applies the row rules, writes good rows in chunks through the partner store, checkpoints the
 * import record (counts, first errors, warnings, byte offset and line of the next row) every
 * `checkpointRows`, and before the invocation runs out of time hands over to a continuation.
 * Rejected rows go to error-report parts at each checkpoint, joined into one report at the end.
 * Store or S3 failures release the lease and are rethrown, so the event's retry resumes.
 */
export async function runImport(
  source: ImportSource,
  deps: ImportDeps,
  expectedToken?: string,
): Promise<ImportRunOutcome> {
  const options = { ...DEFAULT_OPTIONS, ...deps.options };
  const token = randomUUID();
  const record = await deps.imports.claim(source, token, Date.now() + deps.remainingMs(), expectedToken);
  if (!record) {
    logger.info('import already done or in progress elsewhere', { importId: source.importId });
    return 'skipped';
  }
  const importer = new SegmentImporter(source, deps, options, token, {
    rowsTotal: record.rowsTotal,
    rowsImported: record.rowsImported,
    rowsRejected: record.rowsRejected,
    warnings: record.warnings,
    errors: record.errors,
    checkpoint: record.checkpoint,
  });
  try {
    return await importer.run(record.asOf ?? source.asOf);
  } catch (error) {
    await importer.release();
    throw error;
  }
}

class SegmentImporter {
  private readonly sourceTag: string;
  private readonly reportRows: string[][] = [];
  private rowsSinceCheckpoint = 0;
  private leaseLost = false;
  /** Progress as of the last checkpoint: what a retry resumes from. */
  private committed: ImportProgress;

  constructor(
    private readonly source: ImportSource,
    private readonly deps: ImportDeps,
    private readonly options: ImportOptions,
    private readonly token: string,
    /** Running progress; `checkpoint.offset` is where the rows it has not counted yet start. */
    private progress: ImportProgress,
  ) {
    this.sourceTag = `${source.importId}/${source.etag}`;
    this.committed = structuredClone(progress);
  }

  async run(defaultAsOf: string): Promise<ImportRunOutcome> {
    const { source, deps } = this;
    const resumeAt = this.progress.checkpoint;
    let opened: Awaited<ReturnType<ObjectStore['read']>>;
    try {
      opened = await deps.objects.read(source.bucket, source.key, {
        start: resumeAt?.offset ?? 0,
        etag: source.etag,
      });
    } catch (error) {
      if (error instanceof NotFoundError) return this.fail(0, error.message);
      throw error;
    }
    if (!resumeAt && opened.size > IMPORT_LIMITS.maxBytes) {
      opened.body.resume();
      return this.fail(0, `the file is ${opened.size} bytes; the limit is ${IMPORT_LIMITS.maxBytes}`);
    }
    const chunks = (opened.body as Readable)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;

    let dialect: CsvDialect;
    let head: Buffer = Buffer.alloc(0);
    let header: HeaderMap | null = null;
    let columns = resumeAt?.header.length ?? 1;
    if (resumeAt) {
      dialect = { delimiter: resumeAt.delimiter, recordDelimiter: resumeAt.recordDelimiter } as CsvDialect;
      const model = (await deps.models.getActive()).model;
      const mapped = mapHeader(resumeAt.header, model);
      if ('error' in mapped) return this.fail(1, mapped.error);
      header = mapped;
    } else {
      let line: string | null = null;
      let ended = false;
      while (line === null && !ended && head.length <= IMPORT_LIMITS.maxHeaderBytes) {
        const next = await chunks.next();
        if (next.done) ended = true;
        else head = Buffer.concat([head, next.value]);
        line = headerLineOf(head);
      }
      if (line === null && ended) line = headerLineOf(Buffer.concat([head, Buffer.from('\n')]));
      if (line === null && hasBareCarriageReturn(head.subarray(0, -1))) {
        // CR-only line endings: no LF ends the header. Cut at a CR, a character boundary.
        head = head.subarray(0, head.lastIndexOf(0x0d));
        line = head.toString('utf8');
      }
      if (line === null) {
        await chunks.return?.();
        return this.fail(1, `the header line is longer than ${IMPORT_LIMITS.maxHeaderBytes} bytes`);
      }
      if (line.trim() === '')
        return this.fail(1, 'the file is empty or its first line is blank: a header is needed');
      const headerEnd = head.indexOf(0x0a);
      if (!isUtf8(head.subarray(0, headerEnd < 0 ? head.length : headerEnd))) {
        await chunks.return?.();
        return this.fail(1, 'the header is not valid UTF-8: save the file as UTF-8 (CSV UTF-8)');
      }
      if (hasBareCarriageReturn(Buffer.from(line.replace(/\r$/, '')))) {
        await chunks.return?.();
        return this.fail(
          1,
          'the lines end in a bare CR (classic Mac line endings): save the file with LF or CRLF line endings',
        );
      }
      dialect = detectDialect(line);
      columns = line.split(dialect.delimiter).length;
    }
    const maxRecordBytes = recordLimit(columns);

    let nextLine = resumeAt?.line ?? 1;
    let emptyLines = 0;
    let pendingSkips: ParseSkip[] = [];
    const base = resumeAt?.offset ?? 0;
    const parserOptions: CsvOptions<ParsedRecord, string[]> = {
      bom: !resumeAt,
      delimiter: dialect.delimiter,
      record_delimiter: dialect.recordDelimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: maxRecordBytes,
      // Runs in parse order, so line numbers stay right however far the consumer lags behind.
      on_record: (fields: string[], context): ParsedRecord => {
        const line = nextLine + (context.empty_lines - emptyLines);
        emptyLines = context.empty_lines;
        // csv-parse counts CRLF inside quotes as two lines: count the line breaks ourselves.
        let span = 1;
        for (const field of fields) {
          for (let at = field.indexOf('\n'); at >= 0; at = field.indexOf('\n', at + 1)) span++;
        }
        nextLine = line + span;
        const skipped = pendingSkips;
        pendingSkips = [];
        return { fields, line, end: base + context.bytes, nextLine, skipped };
      },
      on_skip: (error: CsvError | undefined) => {
        if (error?.code === 'CSV_MAX_RECORD_SIZE') {
          // csv-parse drops the rest of its buffer here: what follows is not rows of the file.
          pendingSkips.push({
            line: nextLine,
            column: null,
            fatal: true,
            message: `the row is longer than ${maxRecordBytes} bytes (an unclosed quote?); the import stopped at this line: the rows before it were imported, the rest of the file was not read`,
          });
          return undefined;
        }
        pendingSkips.push({ line: nextLine, column: null, message: skipMessage(error) });
        const reported = (error as { lines?: number } | undefined)?.lines;
        nextLine = Math.max(nextLine + 1, typeof reported === 'number' ? reported + 1 : 0);
        return undefined;
      },
    };
    // csv-parse's overloads type only string[] records; on_record turns them into ParsedRecord.
    const parser = parse(parserOptions as unknown as CsvOptions);
    async function* bytes(): AsyncGenerator<Buffer> {
      if (head.length > 0) yield head;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    }
    pipeline(Readable.from(bytes()), parser, () => {});

    let chunk: { upsert: PartnerUpsert; line: number; fields: string[] }[] = [];
    let chunkRows = 0;
    let position = { offset: base, line: nextLine };
    let stopped = false;
    let readToEnd = false;
    let fatal: ParseSkip | undefined;
    try {
      records: for await (const record of parser as AsyncIterable<ParsedRecord>) {
        for (const error of record.skipped) {
          if (error.fatal) {
            fatal = error;
            break records;
          }
          this.progress.rowsTotal++;
          chunkRows++;
          this.reject(error, []);
        }
        if (header === null) {
          const model = (await deps.models.getActive()).model;
          const mapped = mapHeader(record.fields, model);
          if ('error' in mapped) return this.fail(1, mapped.error);
          header = mapped;
          for (const warning of header.warnings) this.warn(warning);
          position = { offset: record.end, line: record.nextLine };
          continue;
        }
        this.progress.rowsTotal++;
        chunkRows++;
        const result = rowToUpsert(
          record.fields,
          header,
          record.line,
          defaultAsOf,
          `${this.sourceTag}#${record.line}`,
        );
        if ('error' in result) this.reject(result.error, record.fields);
        else chunk.push({ upsert: result.upsert, line: record.line, fields: record.fields });
        position = { offset: record.end, line: record.nextLine };
        if (this.progress.rowsTotal >= IMPORT_LIMITS.maxRows) {
          this.warn(
            `the file has more than ${IMPORT_LIMITS.maxRows} rows; rows after line ${record.line} were not read`,
          );
          break;
        }
        if (chunkRows >= this.options.chunkRows) {
          await this.write(chunk);
          chunk = [];
          chunkRows = 0;
          if (!(await this.commit(header, dialect, position, false))) return 'skipped';
          if (this.deps.remainingMs() <= this.options.marginMs) {
            stopped = true;
            break;
          }
        }
      }
      readToEnd = !stopped && this.progress.rowsTotal < IMPORT_LIMITS.maxRows;
    } finally {
      parser.destroy();
      (opened.body as Readable).destroy?.();
    }
    // Skips reported after the last record (an unclosed quote at the end of the file); when the
    // loop stopped early, they lie beyond the checkpoint and the continuation parses them again.
    for (const error of readToEnd ? pendingSkips : []) {
      if (fatal) break;
      if (error.fatal) fatal = error;
      else {
        this.progress.rowsTotal++;
        this.reject(error, []);
      }
    }
    if (header === null) {
      // Only possible when the header row itself was unreadable CSV.
      return this.fail(1, 'the header line is not valid CSV');
    }
    await this.write(chunk);
    if (stopped) {
      if (!(await this.commit(header, dialect, position, true))) return 'skipped';
      await deps.continueLater({ importContinuation: { source: this.source, token: this.token } });
      logger.info('import continues in a fresh invocation', { importId: this.source.importId, ...position });
      return 'continued';
    }
    return this.complete(
      header,
      dialect,
      position,
      fatal && { line: fatal.line, column: null, message: fatal.message },
    );
  }

  /** Gives up the lease (the event's retry resumes at the last checkpoint). */
  async release(): Promise<void> {
    if (this.leaseLost) return;
    // Best effort: if this write fails too, the lease simply runs out and the retry waits for it.
    await this.deps.imports
      .checkpoint(this.source.importId, this.token, this.committed, 0)
      .catch((error: unknown) =>
        logger.warn('could not release the import lease; the retry waits for it to expire', {
          importId: this.source.importId,
          error: error as Error,
        }),
      );
  }

  private async write(chunk: { upsert: PartnerUpsert; line: number; fields: string[] }[]): Promise<void> {
    if (chunk.length === 0) return;
    const outcomes = await upsertOrRefuse(
      this.deps.partners,
      chunk.map((c) => c.upsert),
    );
    outcomes.forEach((outcome, i) => {
      const row = chunk[i] as (typeof chunk)[number];
      if (outcome === REFUSED) {
        this.reject(
          {
            line: row.line,
            column: null,
            message: "the database refused the row's values; the row was not applied",
          },
          row.fields,
        );
        return;
      }
      if (outcome.status === 'stale') {
        this.reject(
          {
            line: row.line,
            column: 'asOf',
            message: 'older than the stored data (asOf); the row was not applied',
          },
          row.fields,
        );
        return;
      }
      this.progress.rowsImported++;
      // Written earlier by another line of this file (the same line again is a retried request).
      const previous = outcome.previousSource;
      if (previous?.startsWith(`${this.sourceTag}#`) && previous !== row.upsert.source) {
        this.warn(
          `line ${row.line}: partner "${row.upsert.id}" appears earlier in the file; this later row wins`,
        );
      }
    });
  }

  /** Saves progress (and the rejected rows since the last save) at a checkpoint; `false` if the lease was lost. */
  private async commit(
    header: HeaderMap,
    dialect: CsvDialect,
    position: { offset: number; line: number },
    handover: boolean,
  ): Promise<boolean> {
    this.rowsSinceCheckpoint += this.options.chunkRows;
    if (!handover && this.rowsSinceCheckpoint < this.options.checkpointRows) return true;
    this.rowsSinceCheckpoint = 0;
    const reportParts = await this.flushReport();
    this.progress = { ...this.progress, checkpoint: checkpointAt(header, dialect, position, reportParts) };
    const leaseUntil = handover
      ? Date.now() + this.options.handoverLeaseMs
      : Date.now() + this.deps.remainingMs();
    const kept = await this.deps.imports.checkpoint(
      this.source.importId,
      this.token,
      this.progress,
      leaseUntil,
    );
    this.committed = structuredClone(this.progress);
    if (!kept) {
      this.leaseLost = true;
      logger.warn('import lease lost; another worker continues', { importId: this.source.importId });
    }
    return kept;
  }

  /** Writes the rejected rows since the last checkpoint as the next report part; returns the part count. */
  private async flushReport(): Promise<number> {
    const parts = this.progress.checkpoint?.reportParts ?? 0;
    if (this.reportRows.length === 0) return parts;
    await this.deps.objects.write(
      this.source.bucket,
      errorReportPartKey(this.source.importId, parts),
      stringify(this.reportRows.splice(0)),
      'text/csv',
    );
    return parts + 1;
  }

  /** Ends the import `completed`, or `failed` with `failure` first in its errors (the rows before it stay imported). */
  private async complete(
    header: HeaderMap,
    dialect: CsvDialect,
    position: { offset: number; line: number },
    failure?: ImportRowError,
  ): Promise<ImportRunOutcome> {
    const { source, deps } = this;
    const parts = await this.flushReport();
    const status = failure ? 'failed' : 'completed';
    const errors = failure ? [failure, ...this.progress.errors].slice(0, IMPORT_LIMITS.maxErrors) : undefined;
    this.progress = {
      ...this.progress,
      ...(errors ? { errors } : {}),
      checkpoint: checkpointAt(header, dialect, position, parts),
    };
    let reportKey: string | null = null;
    if (parts > 0) {
      reportKey = errorReportKey(source.importId);
      const partKeys = Array.from({ length: parts }, (_, i) => errorReportPartKey(source.importId, i));
      await deps.objects.write(
        source.bucket,
        reportKey,
        joinParts(deps.objects, source.bucket, header.fields, partKeys),
        'text/csv',
      );
      await deps.objects.delete(source.bucket, partKeys);
    }
    if (!(await deps.imports.finish(source.importId, this.token, status, this.progress, reportKey))) {
      return 'skipped';
    }
    logger.info(`import ${status}`, {
      importId: source.importId,
      rowsTotal: this.progress.rowsTotal,
      rowsImported: this.progress.rowsImported,
      rowsRejected: this.progress.rowsRejected,
    });
    if (this.progress.rowsImported > 0) {
      await deps.rescore.request('import').catch((error: unknown) => {
        logger.error('could not start a rescore after the import', { error: error as Error });
      });
    }
    return status;
  }

  private async fail(line: number, message: string): Promise<ImportRunOutcome> {
    this.progress = {
      ...this.progress,
      errors: [{ line, column: null, message }, ...this.progress.errors].slice(0, IMPORT_LIMITS.maxErrors),
    };
    logger.warn('import failed', { importId: this.source.importId, reason: message });
    await this.deps.imports.finish(this.source.importId, this.token, 'failed', this.progress, null);
    return 'failed';
  }

  private reject(error: ImportRowError, fields: readonly string[]): void {
    this.progress.rowsRejected++;
    if (this.progress.errors.length < IMPORT_LIMITS.maxErrors) {
      this.progress = { ...this.progress, errors: [...this.progress.errors, error] };
    }
    this.reportRows.push(reportRow(error, fields));
  }

  private warn(message: string): void {
    const warnings = this.progress.warnings;
    if (warnings.length < IMPORT_LIMITS.maxWarnings) {
      this.progress = { ...this.progress, warnings: [...warnings, message] };
    } else if (warnings.length === IMPORT_LIMITS.maxWarnings) {
      this.progress = { ...this.progress, warnings: [...warnings, 'further warnings were left out'] };
    }
  }
}

/** Where a retry or a continuation resumes: the next row's byte offset and line, with the file's header and dialect. */
function checkpointAt(
  header: HeaderMap,
  dialect: CsvDialect,
  position: { offset: number; line: number },
  reportParts: number,
): ImportCheckpoint {
  return {
    offset: position.offset,
    line: position.line,
    header: header.fields,
    delimiter: dialect.delimiter,
    recordDelimiter: dialect.recordDelimiter,
    reportParts,
  };
}

/** An item the store refused for good (see {@link upsertOrRefuse}). */
const REFUSED = Symbol('refused');

/** Errors a write can never succeed after: DynamoDB's verdict on the item itself. */
const NON_RETRYABLE_WRITE_ERRORS = new Set(['ValidationException']);

/**
 * Upserts `items`; when the store refuses the request for good (a {@link NON_RETRYABLE_WRITE_ERRORS}
 * error), splits it in halves, in order (a repeated id keeps its order), until the refused items
 * are alone, and returns {@link REFUSED} for those. Any other error (throttling, network) is
 * rethrown, so the event's retry resumes from the last checkpoint; rewriting the same rows again
 * is harmless (same data, same `asOf`).
 */
async function upsertOrRefuse(
  store: PartnerStore,
  items: readonly PartnerUpsert[],
): Promise<(UpsertOutcome | typeof REFUSED)[]> {
  try {
    return await store.upsert(items);
  } catch (error) {
    if (!NON_RETRYABLE_WRITE_ERRORS.has((error as Error | undefined)?.name ?? '')) throw error;
    if (items.length === 1) {
      logger.warn('a row was refused by the store', { id: items[0]?.id, error: error as Error });
      return [REFUSED];
    }
    const half = Math.ceil(items.length / 2);
    const first = await upsertOrRefuse(store, items.slice(0, half));
    return [...first, ...(await upsertOrRefuse(store, items.slice(half)))];
  }
}

/** The report: a header, then every part in order, streamed (parts are read one at a time). */
function joinParts(objects: ObjectStore, bucket: string, fileHeader: readonly string[], partKeys: string[]) {
  async function* content(): AsyncGenerator<Buffer | string> {
    yield stringify([reportHeader(fileHeader)]);
    for (const key of partKeys) {
      const { body } = await objects.read(bucket, key);
      for await (const piece of body as Readable) yield piece as Buffer;
    }
  }
  return Readable.from(content());
}

function skipMessage(error: CsvError | undefined): string {
  return error?.code === 'CSV_QUOTE_NOT_CLOSED'
    ? 'a quoted field is not closed before the end of the file'
    : 'the row is not valid CSV (check its quotes)';
}

/**
 * csv-parse's record limit for a file of `columns` columns: above any row of fields within
 * `MAX_FIELD_LENGTH` (csv-parse counts at most 4 UTF-8 bytes per character), so a long field
 * is a row error found by the row rules, and only a row no valid file holds stops the import.
 */
function recordLimit(columns: number): number {
  const validRow = columns * 4 * MAX_FIELD_LENGTH;
  return Math.min(IMPORT_LIMITS.maxRecordBytesWide, Math.max(IMPORT_LIMITS.maxRecordBytes, validRow));
}

/** Whether `bytes` hold a CR that does not start a CRLF (CR-only line endings). */
function hasBareCarriageReturn(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(0x0d); at >= 0; at = bytes.indexOf(0x0d, at + 1)) {
    if (bytes[at + 1] !== 0x0a) return true;
  }
  return false;
}
