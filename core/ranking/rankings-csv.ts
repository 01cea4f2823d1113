import type { RankingEntry } from '../api/rankings.schema.ts';
import { neutraliseCell } from '../csv/error-report.ts';
import type { NotModified } from '../etag.ts';
import { type RankingQuery, type ReadRankingsDeps, readEntries } from './read-rankings.ts';

/** The columns of the ranking CSV (contract §3). */
export const RANKING_CSV_HEADER = ['rank', 'id', 'name', 'score', 'tier', 'previousRank', 'region', 'type'];

/**
 * Most bytes of CSV in one answer, counted as they travel in Lambda's JSON response (quotes and line
 * ends escaped): with headers it stays under the 6 MB response limit of Lambda and API Gateway.
 */
export const MAX_CSV_BYTES = 5 * 1024 * 1024;

/** One part of the ranking as CSV; `nextCursor` continues it when the list did not fit. */
export interface RankingCsv {
  csv: string;
  nextCursor: string | null;
  etag: string;
}

/**
 * The filtered ranking as CSV (header `rank,id,name,score,tier,previousRank,region,type`), every text
 * cell neutralised against formula injection as in the import's error report. One answer holds the
 * whole list when it fits in `maxBytes` (about 60,000 rows of usual names), otherwise as many rows as
 * fit and a cursor for the rest: the header comes only with the first part, so the parts concatenate
 * to one file. `limit` caps the rows of a part.
 */
export async function readRankingsCsv(
  deps: ReadRankingsDeps,
  query: Omit<RankingQuery, 'limit'> & { limit?: number },
  maxBytes = MAX_CSV_BYTES,
): Promise<RankingCsv | NotModified> {
  let bytes = 0;
  const lines: string[] = [];
  const fits = (line: string) => {
    // Bytes in Lambda's JSON payload: the line escaped as a JSON string, plus its line end (`\r\n`, 4).
    const size = Buffer.byteLength(JSON.stringify(line)) - 2 + 4;
    if (bytes + size > maxBytes && lines.length > 0) return false;
    bytes += size;
    lines.push(line);
    return true;
  };
  if (query.cursor === undefined) fits(RANKING_CSV_HEADER.join(','));
  const page = await readEntries(
    deps,
    { ...query, limit: query.limit ?? Number.MAX_SAFE_INTEGER },
    'csv',
    (entry) => fits(csvRow(entry)),
  );
  if ('notModified' in page) return page;
  const csv = lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
  return { csv, nextCursor: page.nextCursor, etag: page.etag };
}

/** One entry as a CSV line, text cells neutralised and quoted. */
function csvRow(entry: RankingEntry): string {
  const text = (value: string | null) => (value === null ? '' : csvCell(neutraliseCell(value)));
  return [
    String(entry.rank),
    text(entry.id),
    text(entry.name),
    String(entry.score),
    text(entry.tier),
    entry.previousRank === null ? '' : String(entry.previousRank),
    text(entry.region),
    text(entry.type),
  ].join(',');
}

/** RFC 4180 quoting where a cell needs it. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
