import type { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { CsvDialect } from '#core/csv/dialect.ts';
import { reportRow } from '#core/csv/error-report.ts';
import { type HeaderMap, mapHeader } from '#core/csv/header-map.ts';
import { rowToUpsert } from '#core/csv/row-rules.ts';
import { NotFoundError } from '#core/errors.ts';
import { readCsvHead } from '#core/imports/csv-head.ts';
import { type ParseSkip, parseRecords, recordLimit } from '#core/imports/csv-records.ts';
import { errorReportPartKey } from '#core/imports/import-keys.ts';
import { IMPORT_LIMITS, type ImportOptions } from '#core/imports/import-limits.ts';
import { checkpointAt, type ImportDeps, type ImportState, progressOf } from '#core/imports/import-state.ts';
import { REFUSED, upsertOrRefuse } from '#core/imports/partner-writes.ts';
import { logger } from '#core/observability.ts';
import type {
  ImportProgress,
  ImportRowError,
  ImportSource,
  ObjectStore,
  PartnerUpsert,
} from '#core/ports.ts';

/**
 * Step `rows-N` (N = the chunks committed so far): streams the next `stepRows` rows from the last
 * checkpoint (a ranged read pinned to the ETag → csv-parse → row rules), writes the good rows through
 * the partner store, writes the rejected ones as error-report part N, and commits counts, first
 * errors, warnings and the next row's offset and line on the condition that chunk N−1 is the last one
 * committed: a step re-run after a crash writes its rows again (harmless: same data, same `asOf`) but
 * never counts them twice. The next state, or `null` when a newer upload took the import over.
 */
export function importRows(
  source: ImportSource,
  deps: ImportDeps,
  options: ImportOptions,
  state: ImportState,
  defaultAsOf: string,
): Promise<ImportState | null> {
  return new SegmentImporter(source, deps, options, state).run(defaultAsOf);
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
      const read = await readCsvHead(chunks);
      if ('error' in read) return this.fail(1, read.error);
      ({ head, dialect, columns } = read);
    }
    const maxRecordBytes = recordLimit(columns);

    const base = resumeAt?.offset ?? 0;
    const firstLine = resumeAt?.line ?? 1;
    async function* bytes(): AsyncGenerator<Buffer> {
      if (head.length > 0) yield head;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    }
    const parsed = parseRecords(
      bytes(),
      dialect,
      { offset: base, line: firstLine, atStart: !resumeAt },
      maxRecordBytes,
    );

    let chunk: { upsert: PartnerUpsert; line: number; fields: string[] }[] = [];
    let stepRows = 0;
    let position = { offset: base, line: firstLine };
    let stopped = false;
    let readToEnd = false;
    let fatal: ParseSkip | undefined;
    try {
      records: for await (const record of parsed.records) {
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
      parsed.destroy();
      (opened.body as Readable).destroy?.();
    }
    // Skips reported after the last record (an unclosed quote at the end of the file); when the
    // loop stopped early, they lie beyond the checkpoint and the next step parses them again.
    for (const error of readToEnd ? parsed.trailingSkips() : []) {
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
