import { ValidationError } from '../errors.ts';

/** Signs and checks cursor payloads (HMAC); the key never leaves the service. */
export interface CursorSigner {
  sign(data: string): Promise<string>;
  verify(data: string, tag: string): Promise<boolean>;
}

/** Where a ranking read continues: a position in one list of one run, for one set of filters. */
export interface RankingCursor {
  runId: string;
  list: string;
  /** Index in `list` of the next entry to examine. */
  position: number;
  /** The query's filters, canonical; a cursor only continues the query that produced it. */
  filters: string;
}

const BAD_CURSOR = 'is not a cursor this API returned for this query: start again without a cursor';

/** The canonical form of a query's filters that a cursor is bound to. */
export function filterKey(filters: { tier?: string; region?: string; type?: string }): string {
  return JSON.stringify([filters.tier ?? null, filters.region ?? null, filters.type ?? null]);
}

/** `payload.tag`, both base64url: opaque to clients, tamper-evident. */
export async function encodeCursor(signer: CursorSigner, cursor: RankingCursor): Promise<string> {
  const payload = Buffer.from(
    JSON.stringify([cursor.runId, cursor.list, cursor.position, cursor.filters]),
  ).toString('base64url');
  return `${payload}.${await signer.sign(payload)}`;
}

/**
 * Checks and opens a cursor. Throws a {@link ValidationError} at `/query/cursor` when it was altered
 * or forged, or when it belongs to a query with other filters.
 */
export async function decodeCursor(
  signer: CursorSigner,
  text: string,
  filters: string,
): Promise<RankingCursor> {
  const fail = (message: string) => new ValidationError([{ path: '/query/cursor', message }]);
  const [payload, tag, extra] = text.split('.');
  if (!payload || !tag || extra !== undefined || !(await signer.verify(payload, tag))) throw fail(BAD_CURSOR);
  const [runId, list, position, bound] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [
    string,
    string,
    number,
    string,
  ];
  if (bound !== filters) {
    throw fail('belongs to a query with other filters (tier, region, type): start again without a cursor');
  }
  return { runId, list, position, filters: bound };
}
