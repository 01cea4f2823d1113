import { isUtf8 } from 'node:buffer';
import { type CsvDialect, detectDialect, headerLineOf } from '../csv/dialect.ts';
import { IMPORT_LIMITS } from './import-limits.ts';

/** A file's header line as read from its start, with the dialect it shows. */
export interface CsvHead {
  /** The bytes read so far (the header line and what came with it): the parser reads them first. */
  head: Buffer;
  line: string;
  dialect: CsvDialect;
  /** The header's column count (the record limit grows with it). */
  columns: number;
}

/**
 * Reads a file from its start up to the end of its header line and sniffs its dialect from that
 * line (delimiter, record delimiter). `{ error }` when the file has no usable header (empty, too
 * long, not UTF-8, CR-only line endings): the import fails at line 1 with that message.
 */
export async function readCsvHead(chunks: AsyncIterator<Buffer>): Promise<CsvHead | { error: string }> {
  let head: Buffer = Buffer.alloc(0);
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
    return { error: `the header line is longer than ${IMPORT_LIMITS.maxHeaderBytes} bytes` };
  }
  if (line.trim() === '')
    return { error: 'the file is empty or its first line is blank: a header is needed' };
  const headerEnd = head.indexOf(0x0a);
  if (!isUtf8(head.subarray(0, headerEnd < 0 ? head.length : headerEnd))) {
    await chunks.return?.();
    return { error: 'the header is not valid UTF-8: save the file as UTF-8 (CSV UTF-8)' };
  }
  if (hasBareCarriageReturn(Buffer.from(line.replace(/\r$/, '')))) {
    await chunks.return?.();
    return {
      error:
        'the lines end in a bare CR (classic Mac line endings): save the file with LF or CRLF line endings',
    };
  }
  const dialect = detectDialect(line);
  return { head, line, dialect, columns: line.split(dialect.delimiter).length };
}

/** Whether `bytes` hold a CR that does not start a CRLF (CR-only line endings). */
function hasBareCarriageReturn(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(0x0d); at >= 0; at = bytes.indexOf(0x0d, at + 1)) {
    if (bytes[at + 1] !== 0x0a) return true;
  }
  return false;
}
