import { createHash } from 'node:crypto';

/** A strong ETag of the values an answer is made from: equal values, equal tag. */
export function etagOf(values: readonly unknown[]): string {
  return `"${createHash('sha256').update(JSON.stringify(values)).digest('base64url').slice(0, 27)}"`;
}

/** Whether an `If-None-Match` value names `etag` (a list, weak tags and `*` as RFC 9110 reads them). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

/** What a conditional read answers when the client's copy is current (HTTP 304). */
export interface NotModified {
  notModified: true;
  etag: string;
}
