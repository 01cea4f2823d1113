import { isUtf8 } from 'node:buffer';
import { pipeline, Readable } from 'node:stream';
import { type CsvError, type Options as CsvOptions, parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import type { ImportRowError } from '../api/imports.schema.ts';
import { type CsvDialect, detectDialect, headerLineOf } from '../csv/dialect.ts';
import { reportHeader, reportRow } from '../csv/error-report.ts';
import { type HeaderMap, mapHeader } from '../csv/header-map.ts';
import { MAX_FIELD_LENGTH, rowToUpsert } from '../csv/row-rules.ts';
import { NotFoundError } from '../errors.ts';
import { logger } from '../observability.ts';
import type {
  ImportCheckpoint,
  ImportProgress,
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
  /** Rows per durable step: the most work a crash can make the import do again. */
  stepRows: number;
  /** Rows parsed before their writes are sent (concurrently, by the partner store). */
  writeRows: number;
  /** Largest file imported (tests use a small one); a larger file ends the import `failed`. */
  maxBytes: number;
}

const DEFAULT_OPTIONS: ImportOptions = {
  stepRows: 10_000,
  writeRows: 2_000,
  maxBytes: IMPORT_LIMITS.maxBytes,
};

/**
 * The durable steps an import runs in: the durable execution SDK's `context.step` in the Lambda
 * function (checkpointed, retried, replayed after a crash), a plain call where no engine is needed.
 * A step's result must be plain JSON.
 */
export interface WorkflowSteps {
  /**
   * The execution's own identity (the durable execution's ARN), the same in every replay and step
   * retry: the import's owner token. Never drawn inside a step: a claim whose write landed but
   * whose step failed after it must find its own claim when the step runs again.
   */
  executionId: string;
  step<T>(name: string, run: () => Promise<T>): Promise<T>;
}

/** What starts an import workflow: an uploaded object version, or an owner's import to take over. */
export interface ImportStart {
  source: ImportSource;
  /** The owner whose unfinished import this execution continues (the local stack after a restart). */
  resumeOf?: string;
}

export interface ImportDeps {
  partners: PartnerStore;
  imports: ImportStore;
  objects: ObjectStore;
  models: ModelStore;
  rescore: RescoreRequester;
  options?: Partial<ImportOptions>;
}

/** How an import workflow ended for this execution. */
export type ImportOutcome = 'completed' | 'failed' | 'duplicate' | 'older' | 'superseded';

/** The state one step hands to the next (checkpointed by the engine, so plain JSON and small). */
interface ImportState {
  owner: string;
  /** Chunks committed; the next step commits chunk number `chunks`. */
  chunks: number;
  progress: ImportProgress;
  /** Set once the file is read to its end (or to a row that ends the import). */
  end?: { failure: ImportRowError | null };
}

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
 * Imports one CSV object version (contract §4) as a durable workflow of steps:
 * 1. `claim`: one conditional write decides whether this execution (`steps.executionId`) owns the
 *    upload (a redelivered event for the same version, or an older version's late event, ends here
 *    and does nothing; a retry of this step finds its own claim and goes on);
 * 2. `rows-N`: each step streams the next `stepRows` rows from the last checkpoint (byte offset and
 *    line), applies the row rules, writes good rows through the partner store, writes the rejected
 *    ones as an error-report part, and commits counts, first errors, warnings and the next offset
 *    on the condition that chunk N-1 is the last one committed, so a step re-run after a crash
 *    writes its rows again (harmless: same data, same `asOf`) but never counts them twice;
 * 3. `request-run`: a run of the new data (when rows were imported);
 * 4. `finish`: joins the report parts into one report and ends the import `completed` or `failed`.
 * A step that still fails after the engine's retries ends the import `failed` with the reason, and
 * the error is rethrown so the execution fails too (its dead-letter queue and alarm).
 */
export async function runImportWorkflow(
  start: ImportStart,
  steps: WorkflowSteps,
  deps: ImportDeps,
): Promise<ImportOutcome> {
  const options = { ...DEFAULT_OPTIONS, ...deps.options };
  const { source } = start;
  const claimed = await steps.step('claim', async () => {
    const claim = await deps.imports.claim(source, steps.executionId, start.resumeOf);
    if (claim.outcome !== 'claimed') return { outcome: claim.outcome };
    const { record } = claim;
    const state: ImportState = {
      owner: record.owner as string,
      chunks: record.chunks,
      progress: progressOf(record),
      ...(record.checkpoint?.end ? { end: record.checkpoint.end } : {}),
    };
    return { outcome: claim.outcome, state, asOf: record.asOf ?? source.asOf };
  });
  if (claimed.outcome !== 'claimed' || !claimed.state) {
    logger.info(`import not started: ${claimed.outcome}`, { importId: source.importId });
    return claimed.outcome as ImportOutcome;
  }
  let state: ImportState = claimed.state;
  try {
    while (!state.end) {
      const chunk = state.chunks;
      const next: ImportState | null = await steps.step(`rows-${chunk}`, () =>
        new SegmentImporter(source, deps, options, state).run(claimed.asOf),
      );
      if (next === null) {
        logger.info('import superseded by a newer upload of the same key', { importId: source.importId });
        return 'superseded';
      }
      state = next;
    }
    // The run is requested before the import is marked done, so a crash between the two leaves the
    // import unfinished (and resumed, requesting again) rather than done without its run.
    if (state.progress.rowsImported > 0) {
      await steps.step('request-run', async () => {
        await deps.rescore.request('import');
        return null;
      });
    }
    const finished = state;
    const status = await steps.step('finish', () => finishImport(source, deps, finished));
    return status ?? 'superseded';
  } catch (error) {
    const failed = state;
    await steps.step('fail', async () => {
      const reason = error instanceof Error ? error.message : String(error);
      await deps.imports.finish(
        source.importId,
        failed.owner,
        'failed',
        withFirstError(failed.progress, {
          line: failed.progress.checkpoint?.line ?? 1,
          column: null,
          message: `the import stopped at this line and was not retried further: ${reason}`,
        }),
        null,
      );
      return null;
    });
    throw error;
  }
}

/**
 * Ends the import: joins the error-report parts into one report beside the file and writes the
 * final state, `completed`, or `failed` when a row or the file ended it (`state.end.failure`).
 * `null` when a newer upload took the import over.
 */
async function finishImport(
  source: ImportSource,
  deps: ImportDeps,
  state: ImportState,
): Promise<'completed' | 'failed' | null> {
  const failure = state.end?.failure ?? null;
  const status = failure ? 'failed' : 'completed';
  const progress = failure ? withFirstError(state.progress, failure) : state.progress;
  const parts = progress.checkpoint?.reportParts ?? 0;
  let reportKey: string | null = null;
  const partKeys = Array.from({ length: parts }, (_, i) => errorReportPartKey(source.importId, i));
  if (parts > 0) {
    reportKey = errorReportKey(source.importId);
    const stored = await deps.imports.get(source.importId);
    // Finished before (this step ran again): the parts may be gone already.
    if (stored?.owner === state.owner && stored.status === status) return status;
    await deps.objects.write(
      source.bucket,
      reportKey,
      joinParts(deps.objects, source.bucket, progress.checkpoint?.header ?? [], partKeys),
      'text/csv',
    );
  }
  if (!(await deps.imports.finish(source.importId, state.owner, status, progress, reportKey))) return null;
  if (parts > 0) await deps.objects.delete(source.bucket, partKeys);
  logger.info(`import ${status}`, {
    importId: source.importId,
    rowsTotal: progress.rowsTotal,
    rowsImported: progress.rowsImported,
    rowsRejected: progress.rowsRejected,
  });
  return status;
}

function progressOf(record: ImportProgress): ImportProgress {
  const { rowsTotal, rowsImported, rowsRejected, warnings, errors, checkpoint } = record;
  return { rowsTotal, rowsImported, rowsRejected, warnings, errors, checkpoint };
}

function withFirstError(progress: ImportProgress, error: ImportRowError): ImportProgress {
  return { ...progress, errors: [error, ...progress.errors].slice(0, IMPORT_LIMITS.maxErrors) };
}

/** One step's worth of rows: from the state's checkpoint, `stepRows` rows, committed at the end. */
class SegmentImporter {
  private readonly sourceTag: string;
  private readonly reportRows: string[][] = [];
  /** Running progress; `checkpoint.offset` is where the rows it has not counted yet start. */
  private progress: ImportProgress;

  constructor(
    private readonly source: ImportSource,
    private readonly deps: ImportDeps,
    private readonly options: ImportOptions,
    private readonly state: ImportState,
  ) {
    this.sourceTag = `${source.importId}/${source.etag}`;
    this.progress = structuredClone(state.progress);
  }

  /** Imports the rows of this step and commits them; `null` when a newer upload took the import over. */
  async run(defaultAsOf: string): Promise<ImportState | null> {
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
    // Whatever way the file came (a presigned PUT URL carries no size limit, nor does an upload
    // straight to the bucket), no byte of a file over the limit is read.
    const { maxBytes } = this.options;
    if (!resumeAt && opened.size > maxBytes) {
      (opened.body as Readable).destroy();
      return this.fail(
        0,
        `the file is ${opened.size} bytes; the limit is ${maxBytes} bytes: split it into smaller files`,
      );
    }
    const chunks = (opened.body as Readable)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;

    let dialect: CsvDialect;
    let head: Buffer = Buffer.alloc(0);
    let header: HeaderMap | null = null;
    let columns = resumeAt?.header.length ?? 1;
    if (resumeAt) {
      dialect = { delimiter: resumeAt.delimiter, recordDelimiter: resumeAt.recordDelimiter } as CsvDialect;
      if (resumeAt.mapping) {
        // Mapped once, when the import began: a model activated since does not change it.
        header = { fields: resumeAt.header, ...resumeAt.mapping, warnings: [] };
      } else {
        const mapped = mapHeader(resumeAt.header, (await deps.models.getActive()).model);
        if ('error' in mapped) return this.fail(1, mapped.error);
        header = mapped;
      }
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
    let stepRows = 0;
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
          stepRows++;
          this.reject(error, []);
        }
        if (header === null) {
          // The model active now, not a warm container's cached one: the mapping holds for every chunk.
          const model = (await deps.models.getActive({ fresh: true })).model;
          const mapped = mapHeader(record.fields, model);
          if ('error' in mapped) return this.fail(1, mapped.error);
          header = mapped;
          for (const warning of header.warnings) this.warn(warning);
          position = { offset: record.end, line: record.nextLine };
          continue;
        }
        this.progress.rowsTotal++;
        stepRows++;
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
        if (stepRows >= this.options.stepRows) {
          stopped = true;
          break;
        }
        if (chunk.length >= this.options.writeRows) {
          await this.write(chunk);
          chunk = [];
        }
      }
      readToEnd = !stopped && this.progress.rowsTotal < IMPORT_LIMITS.maxRows;
    } finally {
      parser.destroy();
      (opened.body as Readable).destroy?.();
    }
    // Skips reported after the last record (an unclosed quote at the end of the file); when the
    // loop stopped early, they lie beyond the checkpoint and the next step parses them again.
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
    const end = stopped
      ? undefined
      : { failure: fatal ? { line: fatal.line, column: null, message: fatal.message } : null };
    return this.commit(header, dialect, position, end);
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

  /**
   * Writes the rejected rows of this step as the next report part and commits the progress as
   * chunk number `state.chunks`. When that chunk was committed before (this step ran again after a
   * crash), what was counted then stands; `null` when another owner holds the import now.
   */
  private async commit(
    header: HeaderMap,
    dialect: CsvDialect,
    position: { offset: number; line: number },
    end: ImportState['end'],
  ): Promise<ImportState | null> {
    const { source, state } = this;
    let reportParts = this.progress.checkpoint?.reportParts ?? 0;
    if (this.reportRows.length > 0) {
      // Named by its number, so a re-run of this step writes the same part again.
      await this.deps.objects.write(
        source.bucket,
        errorReportPartKey(source.importId, reportParts),
        stringify(this.reportRows.splice(0)),
        'text/csv',
      );
      reportParts++;
    }
    const progress: ImportProgress = {
      ...this.progress,
      checkpoint: { ...checkpointAt(header, dialect, position, reportParts), ...(end ? { end } : {}) },
    };
    const commit = await this.deps.imports.commit(source.importId, state.owner, state.chunks, progress);
    if (commit.outcome === 'superseded') return null;
    if (commit.outcome === 'already') {
      const { record } = commit;
      return {
        owner: state.owner,
        chunks: record.chunks,
        progress: progressOf(record),
        ...(record.checkpoint?.end ? { end: record.checkpoint.end } : {}),
      };
    }
    return { owner: state.owner, chunks: state.chunks + 1, progress, ...(end ? { end } : {}) };
  }

  /** Ends the import at a problem with the whole file (`failed`, with it as the first error). */
  private fail(line: number, message: string): ImportState {
    logger.warn('import failed', { importId: this.source.importId, reason: message });
    return { ...this.state, end: { failure: { line, column: null, message } } };
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

/**
 * Where a retry or a continuation resumes: the next row's byte offset and line, with the file's
 * header, dialect and the header's mapping (made once, with the model active when the import began).
 */
function checkpointAt(
  header: HeaderMap,
  dialect: CsvDialect,
  position: { offset: number; line: number },
  reportParts: number,
): ImportCheckpoint {
  const { id, name, type, region, asOf, metrics } = header;
  return {
    offset: position.offset,
    line: position.line,
    header: header.fields,
    delimiter: dialect.delimiter,
    recordDelimiter: dialect.recordDelimiter,
    reportParts,
    mapping: { id, name, type, region, asOf, metrics },
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
