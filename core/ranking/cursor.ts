import * as z from 'zod/mini';
import { ValidationError } from '../errors.ts';
import type { CursorSigner } from '../ports.ts';

/**
 * Where a ranking read continues: an entry of a stored page of one list of one run, for one set of
 * filters. Pages hold a varying number of entries (they are bounded in bytes too), so the place is
 * a page and an offset in it, never a rank.
 */
export interface RankingCursor {
  runId: string;
  list: string;
  /** Stored page of `list` holding the next entry to examine. */
  page: number;
  /** Index of that entry in its page. */
  offset: number;
  /** The query's filters, canonical; a cursor only continues the query that produced it. */
  filters: string;
}

const BAD_CURSOR = 'is not a cursor this API returned for this query: start again without a cursor';

/** The canonical form of a query's filters that a cursor is bound to. */
export function filterKey(filters: { tier?: string; region?: string; type?: string }): string {
  return JSON.stringify([filters.tier ?? null, filters.region ?? null, filters.type ?? null]);
}

/** `payload.tag`, both base64url: opaque to clients, tamper-evident. */
export async function signFields(signer: CursorSigner, fields: readonly unknown[]): Promise<string> {
  const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
  return `${payload}.${await signer.sign(payload)}`;
}

/**
 * Opens a cursor made by {@link signFields}: its fields when the tag verifies and they match
 * `schema`, otherwise a {@link ValidationError} at `/query/cursor` (altered, forged, or of another
 * shape, such as another version's cursor).
 */
export async function openFields<T extends z.ZodMiniType>(
  signer: CursorSigner,
  text: string,
  schema: T,
): Promise<z.output<T>> {
  const [payload, tag, extra] = text.split('.');
  if (!payload || !tag || extra !== undefined || !(await signer.verify(payload, tag))) throw badCursor();
  const fields = z.safeParse(schema, parseJson(Buffer.from(payload, 'base64url').toString('utf8')));
  if (!fields.success) throw badCursor();
  return fields.data;
}

function badCursor(): ValidationError {
  return new ValidationError([{ path: '/query/cursor', message: BAD_CURSOR }]);
}

export async function encodeCursor(signer: CursorSigner, cursor: RankingCursor): Promise<string> {
  return signFields(signer, [cursor.runId, cursor.list, cursor.page, cursor.offset, cursor.filters]);
}

// The signed payload: [runId, list, page, offset, filters].
const index = z.int().check(z.gte(0));
const payloadSchema = z.tuple([z.string(), z.string(), index, index, z.string()]);

/**
 * Checks and opens a cursor. Throws a {@link ValidationError} at `/query/cursor` when it was altered
 * or forged, when its payload is not a cursor's (an older format), or when it belongs to a query
 * with other filters.
 */
export async function decodeCursor(
  signer: CursorSigner,
  text: string,
  filters: string,
): Promise<RankingCursor> {
  const [runId, list, page, offset, bound] = await openFields(signer, text, payloadSchema);
  if (bound !== filters) {
    throw new ValidationError([
      {
        path: '/query/cursor',
        message: 'belongs to a query with other filters (tier, region, type): start again without a cursor',
      },
    ]);
  }
  return { runId, list, page, offset, filters: bound };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
