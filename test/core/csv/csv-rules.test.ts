import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectDialect, headerLineOf } from '#core/csv/dialect.ts';
import { neutraliseCell, reportRow } from '#core/csv/error-report.ts';
import { mapHeader } from '#core/csv/header-map.ts';
import { parseDecimal, rowToUpsert } from '#core/csv/row-rules.ts';
import { DEFAULT_MODEL } from '#core/model/presets.ts';

describe('parseDecimal', () => {
  it('reads every finite number JavaScript prints, surrounded by whitespace', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom('', ' ', '\t'),
        (x, pad) => {
          expect(parseDecimal(`${pad}${String(x)}${pad}`)).toBe(x === 0 ? 0 : x);
        },
      ),
    );
  });

  it('refuses anything that is not a plain decimal', () => {
    for (const cell of [
      '12abc',
      'NaN',
      '1,000',
      'Inf',
      '-Infinity',
      '0x1F',
      '1e',
      '.',
      '+',
      '1 000',
      '1e999',
      '٣',
    ]) {
      expect(parseDecimal(cell), cell).toBeUndefined();
    }
  });
});

describe('dialect and header', () => {
  it('picks semicolon or tab only when the header holds none of the others', () => {
    expect(detectDialect('id;sales')).toEqual({ delimiter: ';', recordDelimiter: '\n' });
    expect(detectDialect('id\tsales\r')).toEqual({ delimiter: '\t', recordDelimiter: '\r\n' });
    expect(detectDialect('id,sales;x').delimiter).toBe(',');
    expect(detectDialect('id;sales\tx').delimiter).toBe(',');
    expect(headerLineOf(Buffer.from('\uFEFFid,name\nrest'))).toBe('id,name');
    expect(headerLineOf(Buffer.from('no line end'))).toBeNull();
  });

  it('matches columns like metric names and names the ignored ones', () => {
    const header = mapHeader(['Partner ID', 'NAME', 'common_customers', 'as-of', 'misc'], DEFAULT_MODEL);
    expect(header).toMatchObject({
      id: 0,
      name: 1,
      asOf: 3,
      metrics: [{ index: 2, metric: 'commoncustomers' }],
      warnings: ['column "misc" is not a partner field or a metric of the active model and was ignored'],
    });
    // Names of Object.prototype's members are ordinary unknown columns.
    const odd = mapHeader(
      ['id', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'sales'],
      DEFAULT_MODEL,
    );
    expect(odd).toMatchObject({ id: 0, metrics: [{ index: 5, metric: 'sales' }] });
    expect('warnings' in odd ? odd.warnings : []).toHaveLength(4);
    expect(mapHeader(['sales'], DEFAULT_MODEL)).toEqual({
      error: 'the header has no id, partnerId or name column, so rows cannot be matched to partners',
    });
  });
});

describe('rowToUpsert', () => {
  const header = mapHeader(['id', 'name', 'sales', 'asOf'], DEFAULT_MODEL);
  if ('error' in header) throw new Error(header.error);
  const asOf = '2024-06-01T00:00:00.000Z';

  it('turns a good row into an upsert that leaves empty cells alone', () => {
    expect(rowToUpsert([' a ', '', '', ''], header, 2, asOf, 's#2')).toEqual({
      upsert: { id: 'a', metrics: {}, asOf, source: 's#2' },
    });
    // A metric cell of only whitespace trims to empty: it leaves the value alone, it is no bad number.
    expect(rowToUpsert(['a', '', ' \t ', ''], header, 2, asOf, 's#2')).toEqual({
      upsert: { id: 'a', metrics: {}, asOf, source: 's#2' },
    });
    expect(rowToUpsert(['a', 'A', '-1.5', '2024-05-01'], header, 2, asOf, 's#2')).toEqual({
      upsert: {
        id: 'a',
        name: 'A',
        metrics: { sales: -1.5 },
        asOf: '2024-05-01T00:00:00.000Z',
        source: 's#2',
      },
    });
  });

  it('rejects a field over 1,000 characters even in an ignored column, and accepts exactly 1,000', () => {
    // The ignored column has no rule of its own: only the field-length rule can reject these rows.
    const wide = mapHeader(['id', 'notes', 'sales'], DEFAULT_MODEL);
    if ('error' in wide) throw new Error(wide.error);
    expect(rowToUpsert(['a', 'n'.repeat(1001), '1'], wide, 7, asOf, 's')).toEqual({
      error: { line: 7, column: 'notes', message: 'field is 1001 characters long; the limit is 1000' },
    });
    expect(rowToUpsert(['a', 'n'.repeat(1000), '1'], wide, 7, asOf, 's')).toEqual({
      upsert: { id: 'a', metrics: { sales: 1 }, asOf, source: 's' },
    });
  });

  it('rejects with line, column and message', () => {
    expect(rowToUpsert(['a', 'A', '1'], header, 9, asOf, 's')).toEqual({
      error: { line: 9, column: null, message: 'expected 4 fields as in the header, found 3' },
    });
    expect(rowToUpsert(['a', 'A', 'x1', ''], header, 3, asOf, 's')).toEqual({
      error: { line: 3, column: 'sales', message: '"x1" is not a plain decimal number' },
    });
    expect(rowToUpsert(['a', 'A', '1e200', ''], header, 3, asOf, 's')).toMatchObject({
      error: { line: 3, column: 'sales', message: expect.stringContaining('stored number range') },
    });
    expect(rowToUpsert(['a', 'n'.repeat(257), '', ''], header, 3, asOf, 's')).toMatchObject({
      error: { column: 'name', message: 'name must be at most 256 characters' },
    });
    expect(rowToUpsert(['a', 'A', '1', '2024-13-01'], header, 4, asOf, 's')).toMatchObject({
      error: { line: 4, column: 'asOf' },
    });
    expect(rowToUpsert(['a', 'A', '1', '2025-01-01'], header, 4, asOf, 's')).toMatchObject({
      error: {
        line: 4,
        column: 'asOf',
        message: expect.stringMatching(/^asOf must not be more than 1 day in the future/),
      },
    });
    expect(rowToUpsert(['a', '', '', '2024-06-01T23:00:00Z'], header, 4, asOf, 's')).toMatchObject({
      upsert: { asOf: '2024-06-01T23:00:00.000Z' },
    });
    expect(rowToUpsert(['a\u0007', '', '', ''], header, 5, asOf, 's')).toMatchObject({
      error: { column: 'id', message: 'partner id must not contain control characters' },
    });
  });
});

describe('error report cells', () => {
  it('neutralises cells that a spreadsheet would run as formulas', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\t=x', 'plain'].map(neutraliseCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
      "'\t=x",
      'plain',
    ]);
    expect(reportRow({ line: 2, column: 'sales', message: 'bad' }, ['=id', 'x'])).toEqual([
      '2',
      'sales',
      'bad',
      "'=id",
      'x',
    ]);
  });
});
