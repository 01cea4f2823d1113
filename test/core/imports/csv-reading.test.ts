import { describe, expect, it } from 'vitest';
import { readCsvHead } from '#core/imports/csv-head.ts';
import { type ParsedRecord, parseRecords } from '#core/imports/csv-records.ts';
import { REFUSED, upsertOrRefuse } from '#core/imports/partner-writes.ts';
import type { PartnerStore, PartnerUpsert } from '#core/ports.ts';

/** An async iterator over `pieces` as buffers, as a file's body arrives. */
function chunksOf(...pieces: (string | Buffer)[]): AsyncIterator<Buffer> {
  return (async function* () {
    for (const piece of pieces) yield Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
  })();
}

async function* bytesOf(...pieces: string[]): AsyncGenerator<Buffer> {
  for (const piece of pieces) yield Buffer.from(piece);
}

async function all(records: AsyncIterable<ParsedRecord>): Promise<ParsedRecord[]> {
  const found: ParsedRecord[] = [];
  for await (const record of records) found.push(record);
  return found;
}

describe('readCsvHead: the header line and the dialect it shows', () => {
  it('reads a header split across chunks and sniffs a semicolon file with CRLF lines', async () => {
    const head = await readCsvHead(chunksOf('id;na', 'me;sales\r\nA;x;1\r\n'));
    if ('error' in head) throw new Error(head.error);
    expect(head.line).toBe('id;name;sales\r');
    expect(head.dialect).toEqual({ delimiter: ';', recordDelimiter: '\r\n' });
    expect(head.columns).toBe(3);
    // What was read with the header is handed on: the parser starts from these bytes.
    expect(head.head.toString()).toBe('id;name;sales\r\nA;x;1\r\n');
  });

  it('refuses an empty file, a header that is not UTF-8 and CR-only line endings, saying what to do', async () => {
    expect(await readCsvHead(chunksOf(''))).toEqual({
      error: 'the file is empty or its first line is blank: a header is needed',
    });
    expect(await readCsvHead(chunksOf(Buffer.from([0x69, 0x64, 0xff, 0x0a])))).toEqual({
      error: 'the header is not valid UTF-8: save the file as UTF-8 (CSV UTF-8)',
    });
    const cr = await readCsvHead(chunksOf('id,sales\ra,1\r'));
    expect(cr).toEqual({
      error:
        'the lines end in a bare CR (classic Mac line endings): save the file with LF or CRLF line endings',
    });
  });
});

describe('parseRecords: each record with its line and the offset the next one starts at', () => {
  it('counts line breaks inside quotes and empty lines, and resumes from a checkpoint', async () => {
    const file = 'id,note\na,"two\nlines"\n\nb,x\n';
    const dialect = { delimiter: ',', recordDelimiter: '\n' } as const;
    const stream = parseRecords(bytesOf(file), dialect, { offset: 0, line: 1, atStart: true }, 1024);
    const records = await all(stream.records);
    expect(records.map(({ fields, line, nextLine }) => ({ fields, line, nextLine }))).toEqual([
      { fields: ['id', 'note'], line: 1, nextLine: 2 },
      { fields: ['a', 'two\nlines'], line: 2, nextLine: 4 },
      { fields: ['b', 'x'], line: 5, nextLine: 6 },
    ]);
    // From the second record's end on, the rest parses to the same record at the same line.
    const from = records[1] as ParsedRecord;
    const rest = parseRecords(
      bytesOf(file.slice(from.end)),
      dialect,
      { offset: from.end, line: from.nextLine, atStart: false },
      1024,
    );
    const resumed = await all(rest.records);
    expect(resumed.map(({ fields, line, end }) => ({ fields, line, end }))).toEqual([
      { fields: ['b', 'x'], line: 5, end: file.length },
    ]);
  });

  it('reads relaxed quotes as a record, and reports an unclosed quote at the end as a trailing skip at its line', async () => {
    const dialect = { delimiter: ',', recordDelimiter: '\n' } as const;
    const stream = parseRecords(
      bytesOf('id,v\na,"x"y"\nb,1\nc,"open\n'),
      dialect,
      { offset: 0, line: 1, atStart: true },
      1024,
    );
    const records = await all(stream.records);
    expect(records.map((record) => record.fields[0])).toEqual(['id', 'a', 'b']);
    expect(stream.trailingSkips()).toEqual([
      { line: 4, column: null, message: 'a quoted field is not closed before the end of the file' },
    ]);
  });
});

describe('upsertOrRefuse: a batch the store refuses for good is split until the refused rows are alone', () => {
  const upsert = (id: string) => ({ id }) as PartnerUpsert;

  it('refuses only the rows DynamoDB refuses, keeps the others in order, and rethrows other errors', async () => {
    const calls: string[][] = [];
    const store = {
      upsert: async (items: readonly PartnerUpsert[]) => {
        calls.push(items.map((item) => item.id));
        if (items.some((item) => item.id.startsWith('bad'))) {
          throw Object.assign(new Error('refused'), { name: 'ValidationException' });
        }
        return items.map((item) => ({ id: item.id, status: 'created' as const, partner: null }));
      },
    } as unknown as PartnerStore;
    const outcomes = await upsertOrRefuse(store, ['a', 'bad-1', 'b', 'c'].map(upsert));
    expect(outcomes.map((outcome) => (outcome === REFUSED ? 'refused' : outcome.id))).toEqual([
      'a',
      'refused',
      'b',
      'c',
    ]);
    expect(calls[0]).toEqual(['a', 'bad-1', 'b', 'c']);

    const throttled = {
      upsert: async () => {
        throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
      },
    } as unknown as PartnerStore;
    await expect(upsertOrRefuse(throttled, [upsert('a'), upsert('b')])).rejects.toThrow('slow down');
  });
});
