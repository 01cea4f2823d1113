import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportRecord } from '#core/ports.ts';
import { stopDurableRunner } from '#test/support/durable.ts';
import { type LocalServers, startLocalServers } from '#test/support/local-servers.ts';
import { importHarness } from './import-harness.ts';

/**
 * Hostile CSV files through the real S3 trigger (contract §4, rule "bad input"): every file ends
 * `completed` or `failed` with a clear message, bad rows are reported with their line, good rows
 * are imported, and the error report is safe to open in a spreadsheet. Each import is bounded in time.
 */

let servers: LocalServers;
beforeAll(async () => {
  servers = await startLocalServers();
});
afterAll(async () => {
  await stopDurableRunner();
  await servers.stop();
});

const BOUND_MS = 20_000;

/** Imports `content` as `imports/<name>.csv` on a fresh table and bucket, within {@link BOUND_MS}. */
async function importOnce(name: string, content: string | Buffer) {
  const h = await importHarness(servers);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`import of ${name} did not end within ${BOUND_MS} ms`)),
      BOUND_MS,
    );
  });
  try {
    await Promise.race([h.importFile(`imports/${name}.csv`, content), timeout]);
  } finally {
    clearTimeout(timer);
  }
  const record = (await h.imports.get(name)) as ImportRecord;
  expect(record).not.toBeNull();
  expect(['completed', 'failed']).toContain(record.status);
  return { h, record };
}

describe('files that cannot be imported fail with a clear message at line 1', () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['empty', '', /empty|header/],
    ['only-bom', '\uFEFF', /empty|header/],
    ['blank-first-line', '\nid,sales\na,1\n', /first line is blank/],
    ['binary', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 256)), /not valid UTF-8/],
    ['no-id-no-name', 'foo,bar,sales\n1,2,3\n', /no id, partnerId or name column/],
    ['blank-header-cells', '  ,  \n1,2\n', /no id, partnerId or name column/],
    ['one-long-line', 'x'.repeat(1_100_000), /header line is longer than/],
    ['mixed-delimiters-header', 'id;sales,reputation\na;1,2\n', /no id, partnerId or name column/],
    ['cr-only', 'id,sales\ra,1\rb,2\r', /bare CR .*LF or CRLF/],
    [
      'cr-only-long',
      `id,sales\r${Array.from({ length: 20_000 }, (_, i) => `p${i},${i}`).join('\r')}\r`,
      /bare CR/,
    ],
  ];
  for (const [name, content, message] of cases) {
    it(`${name}: failed, no rows, no rescore`, async () => {
      const { h, record } = await importOnce(name, content);
      expect(record).toMatchObject({ status: 'failed', rowsImported: 0 });
      expect(record.errors[0]).toMatchObject({ line: 1, column: null });
      expect(record.errors[0]?.message).toMatch(message);
      expect(h.rescoreRequests).toEqual([]);
      // The same answer through the API.
      const response = await h.call<{ status: string; errors: { line: number; message: string }[] }>(
        'GET /imports/{importId}',
        { pathParameters: { importId: name } },
      );
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('failed');
      expect(response.body.errors[0]?.message).toMatch(message);
    });
  }
});

describe('files with a header and nothing to import complete with zero rows', () => {
  for (const [name, content] of [
    ['header-only', 'id,sales\n'],
    ['header-only-crlf', 'id,sales\r\n'],
    ['header-no-newline', 'id,sales'],
    ['bom-header-no-newline', '\uFEFFid,sales'],
    ['header-then-blank-lines', 'id,sales\n\n\n'],
    ['header-then-blank-lines-crlf', 'id,sales\r\n\r\n\r\n'],
  ] as const) {
    it(`${name}: completed, rowsTotal 0, no rescore`, async () => {
      const { h, record } = await importOnce(name, content);
      expect(record).toMatchObject({
        status: 'completed',
        rowsTotal: 0,
        rowsImported: 0,
        rowsRejected: 0,
        errors: [],
        errorReportKey: null,
      });
      expect(h.rescoreRequests).toEqual([]);
    });
  }

  it('a last row without a line break is imported', async () => {
    const { h, record } = await importOnce('last-no-newline', 'id,sales\na,1');
    expect(record).toMatchObject({ status: 'completed', rowsTotal: 1, rowsImported: 1 });
    expect((await h.partners.get('a'))?.metrics).toEqual({ sales: 1 });
  });
});

describe('broken rows are rejected with their line; every good row is imported', () => {
  it('an unterminated quote at the end of the file is reported at the line where it starts', async () => {
    const { h, record } = await importOnce(
      'unterminated',
      'id,name,sales\nb,B,2\nc,C,3\na,"open,1\nlater,x,4\n',
    );
    expect(record).toMatchObject({ status: 'completed', rowsImported: 2, rowsRejected: 1 });
    expect(record.errors).toEqual([
      { line: 4, column: null, message: 'a quoted field is not closed before the end of the file' },
    ]);
    expect((await h.partners.get('b'))?.metrics).toEqual({ sales: 2 });
    expect((await h.partners.get('c'))?.metrics).toEqual({ sales: 3 });
    expect(await h.partners.get('a')).toBeNull();
  });

  it('rows in another delimiter than the header are rejected for their field count', async () => {
    const { h, record } = await importOnce('semicolon-rows', 'id,sales,reputation\na;1;2\nb,2,3\nc;3,4\n');
    expect(record).toMatchObject({ status: 'completed', rowsTotal: 3, rowsImported: 1, rowsRejected: 2 });
    expect(record.errors.map((e) => [e.line, e.column, e.message])).toEqual([
      [2, null, 'expected 3 fields as in the header, found 1'],
      [4, null, 'expected 3 fields as in the header, found 2'],
    ]);
    expect((await h.partners.get('b'))?.metrics).toEqual({ sales: 2, reputation: 3 });
  });

  it('duplicate header columns: the first wins, the others are named in warnings', async () => {
    const { h, record } = await importOnce('dup-columns', 'id,sales,Sales,ID,partnerId,SALES\na,1,2,x,y,3\n');
    expect(record).toMatchObject({ status: 'completed', rowsImported: 1 });
    expect(record.warnings).toEqual([
      'column "Sales" repeats column "sales" and was ignored',
      'column "ID" repeats column "id" and was ignored',
      'column "partnerId" repeats column "id" and was ignored',
      'column "SALES" repeats column "sales" and was ignored',
    ]);
    expect((await h.partners.get('a'))?.metrics).toEqual({ sales: 1 });
    expect(await h.partners.get('x')).toBeNull();
  });

  it('NUL and other control characters in an id reject the row; invalid UTF-8 in a cell too', async () => {
    const content = Buffer.concat([
      Buffer.from('id,name,sales\nn\u0000ul,A,1\nok,B,2\ntab\there,C,3\nbad,'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(',4\nfine,D,5\n'),
    ]);
    const { h, record } = await importOnce('controls', content);
    expect(record).toMatchObject({ status: 'completed', rowsTotal: 5, rowsImported: 2, rowsRejected: 3 });
    expect(record.errors.map((e) => [e.line, e.column])).toEqual([
      [2, 'id'],
      [4, 'id'],
      [5, 'name'],
    ]);
    expect(record.errors[2]?.message).toBe('field is not valid UTF-8');
    expect(await h.partners.get('ok')).not.toBeNull();
    expect(await h.partners.get('fine')).not.toBeNull();
  });

  it('rows of only delimiters or blank ids are rejected, not imported as empty partners', async () => {
    const { record } = await importOnce('only-delimiters', 'id,sales\n,,\n,\n   ,1\n');
    expect(record).toMatchObject({ status: 'completed', rowsTotal: 3, rowsImported: 0, rowsRejected: 3 });
    expect(record.errors.map((e) => [e.line, e.column])).toEqual([
      [2, null],
      [3, 'id'],
      [4, 'id'],
    ]);
  });

  it('metric cells that are not plain decimals reject their row with the cell quoted', async () => {
    const bad = ['NaN', 'Infinity', '-Inf', '1e999', '0x1F', '1,5', '12abc', '١٢', '1_000', '+-1', '.', 'e5'];
    const rows = bad.map((value, i) => `r${i},"${value}"`);
    const { h, record } = await importOnce('numbers', `id,sales\n${rows.join('\n')}\nok,-0.5e-3\n`);
    expect(record).toMatchObject({ rowsTotal: bad.length + 1, rowsImported: 1, rowsRejected: bad.length });
    expect(record.errors.map((e) => e.message)).toEqual(
      bad.map((v) => `"${v}" is not a plain decimal number`),
    );
    expect(record.errors.map((e) => e.line)).toEqual(bad.map((_, i) => i + 2));
    expect((await h.partners.get('ok'))?.metrics).toEqual({ sales: -0.0005 });
  });

  it('a metric outside the stored number range (1e200, 1e-200) is a row error and the import completes', async () => {
    const { h, record } = await importOnce(
      'out-of-range',
      'id,sales\nok1,1\nbig,1e200\ntiny,-1e-200\nok2,1\n',
    );
    expect(record).toMatchObject({ status: 'completed', rowsTotal: 4, rowsImported: 2, rowsRejected: 2 });
    expect(record.errors.map((e) => [e.line, e.column])).toEqual([
      [3, 'sales'],
      [4, 'sales'],
    ]);
    expect(record.errors[0]?.message).toMatch(/stored number range/);
    expect((await h.partners.get('ok2'))?.metrics).toEqual({ sales: 1 });
    expect(await h.partners.get('big')).toBeNull();
  });

  it('keeps the first 100 errors in the record, every rejected row in the report, and imports the rest', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? `g${i},${i}` : `b${i},oops`));
    const { h, record } = await importOnce('many-errors', `id,sales\n${rows.join('\n')}\n`);
    expect(record).toMatchObject({
      status: 'completed',
      rowsTotal: 400,
      rowsImported: 200,
      rowsRejected: 200,
    });
    expect(record.errors).toHaveLength(100);
    expect(record.errors[0]?.line).toBe(3);
    const report = (await h.readObject(record.errorReportKey as string)).trim().split('\n');
    expect(report).toHaveLength(201);
    expect(report.at(-1)).toMatch(/^401,sales,/);
  });

  it('columns named constructor, __proto__ or toString are ignored with a warning, not a crash', async () => {
    const { h, record } = await importOnce(
      'prototype-names',
      'id,constructor,__proto__,toString,sales\na,1,2,3,4\n',
    );
    expect(record).toMatchObject({ status: 'completed', rowsImported: 1 });
    expect(record.warnings).toHaveLength(3);
    expect((await h.partners.get('a'))?.metrics).toEqual({ sales: 4 });
  });

  it('a header of 5,000 unknown columns completes with capped warnings', async () => {
    const header = `${Array.from({ length: 5000 }, (_, i) => `c${i}`).join(',')},id,sales`;
    const row = `${'1,'.repeat(5000)}wide,7`;
    const { h, record } = await importOnce('wide', `${header}\n${row}\n`);
    expect(record).toMatchObject({ status: 'completed', rowsImported: 1 });
    expect(record.warnings).toHaveLength(101);
    expect(record.warnings.at(-1)).toBe('further warnings were left out');
    expect((await h.partners.get('wide'))?.metrics).toEqual({ sales: 7 });
  });

  for (const [label, cell] of [
    ['300,000 characters', 'y'.repeat(300_000)],
    ['1.1 MB', 'y'.repeat(1_100_000)],
    ['300,000 quoted characters with line breaks', `"${'y\n'.repeat(150_000)}"`],
  ] as const) {
    it(`a field of ${label} rejects only its row; the good rows after it are imported`, async () => {
      const { h, record } = await importOnce(
        `long-${label.length}`,
        `id,name\na,${cell}\nb,ok\nc,fine\nd,"quoted"\n`,
      );
      expect(record).toMatchObject({ status: 'completed', rowsTotal: 4, rowsImported: 3, rowsRejected: 1 });
      expect(record.errors).toEqual([
        {
          line: 2,
          column: 'name',
          message: expect.stringMatching(/^field is \d+ characters long; the limit is 1000$/),
        },
      ]);
      expect(await h.partners.get('a')).toBeNull();
      expect((await h.partners.get('b'))?.name).toBe('ok');
      expect((await h.partners.get('c'))?.name).toBe('fine');
      expect((await h.partners.get('d'))?.name).toBe('quoted');
      expect(h.rescoreRequests).toEqual(['import']);
    });
  }

  it('a row over the 16 MB safety limit (an unclosed quote) fails the file at its line, keeping the rows before it', async () => {
    const { h, record } = await importOnce(
      'runaway-quote',
      `id,name\nb,ok\nc,bad"quote\nx,"open ${'z,'.repeat(9 * 1024 * 1024)}\nlater,1\n`,
    );
    expect(record).toMatchObject({ status: 'failed', rowsTotal: 2, rowsImported: 2, rowsRejected: 0 });
    expect(record.errors).toEqual([
      {
        line: 4,
        column: null,
        message: expect.stringMatching(/^the row is longer than 16777216 bytes .*line/),
      },
    ]);
    expect((await h.partners.get('b'))?.name).toBe('ok');
    expect(await h.partners.get('later')).toBeNull();
    // The rows before it changed partners: the ranking follows.
    expect(h.rescoreRequests).toEqual(['import']);
  });

  it('a stray quote inside an unquoted field is kept as text (relaxed quoting), not a crash', async () => {
    const { h, record } = await importOnce('stray-quote', 'id,name,sales\na,b"c,1\nd,ok,2\n');
    expect(record).toMatchObject({ status: 'completed', rowsImported: 2 });
    expect((await h.partners.get('a'))?.name).toBe('b"c');
  });
});

describe('the error report is neutralised against formula injection', () => {
  it('prefixes cells starting with =, +, -, @, tab or CR with a quote, including header cells', async () => {
    const csv = [
      'id,name,sales,-evil,=HEADER',
      '=HYPERLINK("http://x"),+SUM(1),bad,a,b',
      '@cmd,\t=1+2,also bad,c,d',
      '-1,"\r=y",nope,e,f',
      'ok,Fine,1,g,h',
    ].join('\n');
    const { h, record } = await importOnce('formula', `${csv}\n`);
    expect(record).toMatchObject({ status: 'completed', rowsImported: 1, rowsRejected: 3 });
    // The record keeps the raw values (JSON is not a spreadsheet).
    expect(record.errors[0]).toEqual({
      line: 2,
      column: 'sales',
      message: '"bad" is not a plain decimal number',
    });
    const report = await h.readObject(record.errorReportKey as string);
    const lines = report.trim().split('\n');
    expect(lines[0]).toBe("line,column,error,id,name,sales,'-evil,'=HEADER");
    expect(lines[1]).toBe(
      `2,sales,"""bad"" is not a plain decimal number","'=HYPERLINK(""http://x"")",'+SUM(1),bad,a,b`,
    );
    expect(lines[2]).toBe(`3,sales,"""also bad"" is not a plain decimal number",'@cmd,'\t=1+2,also bad,c,d`);
    expect(report).toContain(`"'\r=y"`);
    expect(report).toContain('4,sales,"""nope"" is not a plain decimal number",\'-1,');
    // No cell of the report starts a formula.
    for (const line of lines) {
      for (const cell of line.split(',')) expect(cell).not.toMatch(/^[=+\-@]/);
    }
  });
});
