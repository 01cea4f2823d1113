import { pipeline, Readable } from 'node:stream';
import { type CsvError, type Options as CsvOptions, parse } from 'csv-parse';
import type { CsvDialect } from '../csv/dialect.ts';
import { MAX_FIELD_LENGTH } from '../csv/row-rules.ts';
import type { ImportRowError } from '../ports.ts';
import { IMPORT_LIMITS } from './import-limits.ts';

/** A CSV record with where it lies in the file. */
export interface ParsedRecord {
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
export interface ParseSkip extends ImportRowError {
  fatal?: true;
}

/** The records of a file from a position on, as csv-parse reads them (see {@link parseRecords}). */
export interface RecordStream {
  records: AsyncIterable<ParsedRecord>;
  /** Skips csv-parse reported after the last record (an unclosed quote at the end of the file). */
  trailingSkips(): ParseSkip[];
  /** Stops parsing (the rest of the file is not read). */
  destroy(): void;
}

/**
 * Parses `bytes`, the file from `from` on (byte offset and line; `atStart` when that is the file's start,
 * where a BOM is dropped), with csv-parse in the file's dialect: relaxed quotes and column counts, empty
 * lines skipped, records with errors skipped and reported on the next record, no record longer than
 * `maxRecordBytes`. Each record carries its line (line breaks counted in its fields) and the byte
 * offset where the next one starts: a checkpoint to resume from.
 */
export function parseRecords(
  bytes: AsyncIterable<Buffer>,
  dialect: CsvDialect,
  from: { offset: number; line: number; atStart: boolean },
  maxRecordBytes: number,
): RecordStream {
  let nextLine = from.line;
  let emptyLines = 0;
  let pendingSkips: ParseSkip[] = [];
  const base = from.offset;
  const parserOptions: CsvOptions<ParsedRecord, string[]> = {
    bom: from.atStart,
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
  pipeline(Readable.from(bytes), parser, () => {});
  return {
    records: parser as AsyncIterable<ParsedRecord>,
    trailingSkips: () => pendingSkips,
    destroy: () => parser.destroy(),
  };
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
export function recordLimit(columns: number): number {
  const validRow = columns * 4 * MAX_FIELD_LENGTH;
  return Math.min(IMPORT_LIMITS.maxRecordBytesWide, Math.max(IMPORT_LIMITS.maxRecordBytes, validRow));
}
