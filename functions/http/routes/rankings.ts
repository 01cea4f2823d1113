import * as z from 'zod/mini';
import { MAX_TEXT_LENGTH } from '#core/partners/partner-rules.ts';
import { readRankingsCsv } from '#core/ranking/rankings-csv.ts';
import { type ReadRankingsDeps, readRankings } from '#core/ranking/read-rankings.ts';
import type { HttpResult, RouteHandler } from '../http-handler.ts';
import { cursorParam, limitParam, parseQuery } from './query-params.ts';

// As long as a stored tier, region or type can be; longer matches nothing and would not fit a key.
const filter = (name: string) =>
  z.optional(
    z
      .string(`must be a ${name} name`)
      .check(
        z.minLength(1, `must not be empty: name a ${name}, or leave ${name} out for every ${name}`),
        z.maxLength(
          MAX_TEXT_LENGTH,
          `must be at most ${MAX_TEXT_LENGTH} characters, as long as a ${name} can be`,
        ),
      ),
  );
export const rankingsQuery = z.object({
  limit: limitParam(500),
  cursor: cursorParam,
  tier: filter('tier'),
  region: filter('region'),
  type: filter('type'),
  format: z.optional(z.enum(['json', 'csv'], 'must be json or csv (or send Accept: text/csv)')),
});

/** Clients revalidate with `If-None-Match` instead of trusting a cached copy. */
const REVALIDATE = { 'cache-control': 'private, no-cache' };

/**
 * `GET /rankings`: one page of the current ranking as JSON, or the filtered ranking as CSV
 * (`format=csv` or `Accept: text/csv`), in parts linked by `Link: <…>; rel="next"` when it does not fit
 * one response. Both send an `ETag` and answer a matching `If-None-Match` with 304.
 */
export function rankingsRoutes(deps: ReadRankingsDeps): Record<'GET /rankings', RouteHandler> {
  return {
    'GET /rankings': async ({ query, event }): Promise<HttpResult> => {
      const { limit, cursor, tier, region, type, format } = parseQuery(rankingsQuery, query);
      const ifNoneMatch = event.headers['if-none-match'];
      const common = {
        ...(cursor === undefined ? {} : { cursor }),
        ...(tier === undefined ? {} : { tier }),
        ...(region === undefined ? {} : { region }),
        ...(type === undefined ? {} : { type }),
        ...(ifNoneMatch === undefined ? {} : { ifNoneMatch }),
      };
      const wantsCsv =
        format === 'csv' || (format === undefined && /\btext\/csv\b/i.test(event.headers.accept ?? ''));
      if (wantsCsv) {
        const part = await readRankingsCsv(deps, {
          ...common,
          ...(limit === undefined ? {} : { limit: Number(limit) }),
        });
        if ('notModified' in part) return notModified(part.etag);
        const next = part.nextCursor;
        return {
          status: 200,
          body: part.csv,
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            etag: part.etag,
            ...REVALIDATE,
            ...(next === null ? {} : { link: `<${nextUrl(event.rawPath, query, next)}>; rel="next"` }),
          },
        };
      }
      const page = await readRankings(deps, { ...common, limit: limit === undefined ? 50 : Number(limit) });
      if ('notModified' in page) return notModified(page.etag);
      const { etag, ...body } = page;
      return { status: 200, body, headers: { etag, ...REVALIDATE } };
    },
  };
}

function notModified(etag: string): HttpResult {
  return { status: 304, headers: { etag, ...REVALIDATE } };
}

/** The same request with the next part's cursor: a path relative to the API's base URL. */
function nextUrl(path: string, query: Record<string, string>, cursor: string): string {
  const params = new URLSearchParams({ ...query, cursor });
  return `${path}?${params.toString()}`;
}
