import type { ImportRowError } from '../api/imports.schema.ts';
import { isStorableNumber, STORABLE_NUMBER_MESSAGE } from '../numbers.ts';
import {
  futureAsOfProblem,
  MAX_TEXT_LENGTH,
  parseAsOf,
  partnerIdProblem,
} from '../partners/partner-rules.ts';
import type { PartnerUpsert } from '../ports.ts';
import type { HeaderMap } from './header-map.ts';

/** Longest CSV field, in characters (contract §4). */
export const MAX_FIELD_LENGTH = 1000;

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A metric cell as a number: a plain decimal with optional sign, fraction and exponent, surrounding
 * whitespace ignored. `undefined` for anything else (`12abc`, `NaN`, `1,000`, `Inf`, `0x10`) and for
 * values too large to be finite.
 */
export function parseDecimal(cell: string): number | undefined {
  const text = cell.trim();
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

export type RowResult = { upsert: PartnerUpsert } | { error: ImportRowError };

/**
 * Applies the row rules of contract §4 to one parsed record: field count, field length, valid
 * UTF-8, id, `asOf` and strict metric numbers. An empty cell leaves that value as it is.
 * `line` is the 1-based physical line where the record starts; `asOf` (the upload's time) is used
 * when the row has none, and a row's own `asOf` may lie at most a day after it.
 */
export function rowToUpsert(
  fields: readonly string[],
  header: HeaderMap,
  line: number,
  asOf: string,
  source: string,
): RowResult {
  const columnName = (index: number) => header.fields[index] ?? `column ${index + 1}`;
  const reject = (column: string | null, message: string): RowResult => ({
    error: { line, column, message },
  });
  if (fields.length !== header.fields.length) {
    return reject(null, `expected ${header.fields.length} fields as in the header, found ${fields.length}`);
  }
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as string;
    if (field.length > MAX_FIELD_LENGTH) {
      return reject(
        columnName(i),
        `field is ${field.length} characters long; the limit is ${MAX_FIELD_LENGTH}`,
      );
    }
    if (field.includes('\uFFFD')) return reject(columnName(i), 'field is not valid UTF-8');
  }
  const id = (fields[header.id] as string).trim();
  const idProblem = partnerIdProblem(id);
  if (idProblem) return reject(columnName(header.id), `partner id ${idProblem}`);

  const upsert: PartnerUpsert = { id, metrics: {}, asOf, source };
  const text = (index: number | null) => (index === null ? '' : (fields[index] as string).trim());
  for (const field of ['name', 'type', 'region'] as const) {
    const index = header[field];
    const value = text(index);
    if (value === '') continue;
    if (value.length > MAX_TEXT_LENGTH) {
      return reject(columnName(index as number), `${field} must be at most ${MAX_TEXT_LENGTH} characters`);
    }
    upsert[field] = value;
  }
  const asOfCell = text(header.asOf);
  if (asOfCell !== '') {
    const parsed = parseAsOf(asOfCell);
    if (parsed === null)
      return reject(columnName(header.asOf as number), 'asOf must be an ISO-8601 date or date-time');
    const ahead = futureAsOfProblem(parsed, asOf);
    if (ahead !== null) return reject(columnName(header.asOf as number), `asOf ${ahead}`);
    upsert.asOf = parsed;
  }
  for (const { index, metric } of header.metrics) {
    const cell = fields[index] as string;
    if (cell.trim() === '') continue;
    const value = parseDecimal(cell);
    if (value === undefined) {
      return reject(columnName(index), `"${cell}" is not a plain decimal number`);
    }
    if (!isStorableNumber(value))
      return reject(columnName(index), `"${cell.trim()}" ${STORABLE_NUMBER_MESSAGE}`);
    upsert.metrics[metric] = value;
  }
  return { upsert };
}
