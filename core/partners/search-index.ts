/**
 * The partner search index a run materialises (`GET /partners?search=`): every partner of the run
 * under its lowercased id, and again under its lowercased name when that differs, sorted by that key
 * in code-point order (DynamoDB's order of UTF-8 strings) and cut into pages. A page is stored under a
 * sort key made from its LAST key (its fence), so the page holding the first key at or after a prefix
 * is the first page whose fence is at or after it: one Query, no scan, whatever the partner count.
 * Keys are spread over {@link SEARCH_BUCKETS} partition keys by their first character (every key
 * with a given prefix is in one bucket), so a run's index writes do not all go to one partition.
 */

import type { SearchItem } from '../api/partners.schema.ts';

/** One index entry: the partner, found by its id (`byName` false) or by its name. */
export interface SearchEntry extends SearchItem {
  byName: boolean;
}

export interface SearchPage {
  /** Partition bucket of the page's keys: see {@link searchBucket}. */
  bucket: number;
  /** Sort key of the page: see {@link fenceOf}. */
  fence: string;
  entries: SearchEntry[];
}

/** Partition keys an index is spread over. */
export const SEARCH_BUCKETS = 32;

/** The bucket of a non-empty key: from its first code point, so a prefix names one bucket. */
export function searchBucket(key: string): number {
  return (key.codePointAt(0) ?? 0) % SEARCH_BUCKETS;
}

/** Longest search text, in characters: its lowercased form stays within {@link FENCE_UNITS}. */
export const MAX_SEARCH_LENGTH = 64;
/**
 * UTF-16 units of a key kept in a fence. Lowercasing at most triples a text's length, so a search's
 * key fits; 256 units are at most 768 UTF-8 bytes, within DynamoDB's 1,024-byte sort key.
 */
export const FENCE_UNITS = 256;
/** Most entries per page: about 8 KB, so a page of results is one or two read units. */
export const SEARCH_PAGE_SIZE = 100;
/** Most UTF-8 bytes of a page's encoded entries (long multi-byte names close a page early). */
export const SEARCH_PAGE_MAX_BYTES = 64 * 1024;

// Below every character a key holds (control characters become spaces): ends a fence's key part.
const FENCE_SEPARATOR = '\u0001';
const CONTROL = /\p{Cc}/gu;

/** The key a text is searched under: lowercased, control characters as spaces. */
export function searchKey(text: string): string {
  return text.toLowerCase().replace(CONTROL, ' ');
}

/** The key an entry is sorted and matched under. */
export function entryKey(entry: SearchEntry): string {
  return searchKey(entry.byName ? entry.name : entry.id);
}

/**
 * Whether `entry` is a result of the search `key` that this entry should show: its key starts with
 * it, and (for an entry by name) the partner is not also found by its id, which shows it once.
 */
export function entryMatches(entry: SearchEntry, key: string): boolean {
  if (!entryKey(entry).startsWith(key)) return false;
  return !(entry.byName && searchKey(entry.id).startsWith(key));
}

/**
 * Page `page`'s sort key: its last entry's key cut to {@link FENCE_UNITS} units (never inside a
 * surrogate pair), the separator and the page number. Fences rise with the pages, and for any search
 * key `p` of at most {@link FENCE_UNITS} units, `fence >= p` exactly when the page's last key is.
 */
export function fenceOf(lastKey: string, page: number): string {
  let cut = lastKey.slice(0, FENCE_UNITS);
  const lastUnit = cut.charCodeAt(cut.length - 1);
  if (cut.length === FENCE_UNITS && lastUnit >= 0xd800 && lastUnit <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}${FENCE_SEPARATOR}${String(page).padStart(6, '0')}`;
}

/** Code-point order (UTF-8 byte order, as DynamoDB compares strings), not UTF-16 unit order. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitWeight(x) - unitWeight(y);
  }
  return a.length - b.length;
}

/** Surrogates (code points above U+FFFF) sort after U+E000–U+FFFF in code-point order. */
function unitWeight(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/**
 * The index of a run's partners, as pages in key order. Columns as the run holds them
 * (`ids[i]`, `names[i]`, …).
 */
export function buildSearchPages(
  ids: readonly string[],
  names: readonly string[],
  types: readonly (string | null)[],
  regions: readonly (string | null)[],
): SearchPage[] {
  // Entries as parallel columns (partner index, by name?, key, bucket): no object per entry until paging.
  const partner: number[] = [];
  const byName: boolean[] = [];
  const keys: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const idKey = searchKey(ids[i] as string);
    const nameKey = searchKey(names[i] as string);
    partner.push(i);
    byName.push(false);
    keys.push(idKey);
    if (nameKey !== idKey) {
      partner.push(i);
      byName.push(true);
      keys.push(nameKey);
    }
  }
  const n = keys.length;
  const buckets = new Uint8Array(n);
  for (let e = 0; e < n; e++) buckets[e] = searchBucket(keys[e] as string);
  // UTF-16 order is code-point order unless a string holds a unit from U+D800 up: then the slow compare.
  const plain = (text: string) => !/[\uD800-\uFFFF]/.test(text);
  const fast = keys.every(plain) && ids.every(plain);
  const compare = fast ? (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0) : compareCodePoints;
  // Bucket by bucket (a counting sort), in key order within each (pages are numbered per bucket).
  const starts = new Uint32Array(SEARCH_BUCKETS + 1);
  for (let e = 0; e < n; e++) (starts[(buckets[e] as number) + 1] as number)++;
  for (let b = 0; b < SEARCH_BUCKETS; b++) starts[b + 1] = (starts[b + 1] as number) + (starts[b] as number);
  const order = new Uint32Array(n);
  const fill = starts.slice(0, SEARCH_BUCKETS);
  for (let e = 0; e < n; e++) order[(fill[buckets[e] as number] as number)++] = e;
  for (let b = 0; b < SEARCH_BUCKETS; b++) {
    order
      .subarray(starts[b], starts[b + 1])
      .sort(
        (x, y) =>
          compare(keys[x] as string, keys[y] as string) ||
          compare(ids[partner[x] as number] as string, ids[partner[y] as number] as string),
      );
  }

  const pages: SearchPage[] = [];
  let bucket = -1;
  let page = 0;
  let entries: SearchEntry[] = [];
  let bytes = 2;
  let lastKey = '';
  const close = () => {
    if (entries.length > 0) pages.push({ bucket, fence: fenceOf(lastKey, page++), entries });
    entries = [];
    bytes = 2;
  };
  for (const e of order) {
    const i = partner[e] as number;
    const entry: SearchEntry = {
      id: ids[i] as string,
      name: names[i] as string,
      type: types[i] ?? null,
      region: regions[i] ?? null,
      byName: byName[e] as boolean,
    };
    const size = encodedBound(entry);
    if (buckets[e] !== bucket) {
      close();
      bucket = buckets[e] as number;
      page = 0;
    } else if (entries.length > 0 && bytes + size > SEARCH_PAGE_MAX_BYTES) close();
    entries.push(entry);
    bytes += size;
    lastKey = keys[e] as string;
    if (entries.length === SEARCH_PAGE_SIZE) close();
  }
  close();
  return pages;
}

/**
 * An upper bound of the UTF-8 bytes an entry takes in a page (a UTF-16 unit is at most 6 bytes of JSON,
 * as `\u0001`), cheap enough for millions of entries; pages stay within their byte cap by it.
 */
function encodedBound(entry: SearchEntry): number {
  const units = entry.id.length + entry.name.length + (entry.type?.length ?? 0) + (entry.region?.length ?? 0);
  return 6 * units + 24;
}

type EntryTuple = [0 | 1, string, string, string | null, string | null];

/** One entry as stored in a page: a JSON tuple (no attribute names). */
export function encodeSearchEntry(entry: SearchEntry): string {
  const tuple: EntryTuple = [entry.byName ? 1 : 0, entry.id, entry.name, entry.type, entry.region];
  return JSON.stringify(tuple);
}

export function encodeSearchEntries(entries: readonly SearchEntry[]): string {
  return `[${entries.map(encodeSearchEntry).join(',')}]`;
}

export function decodeSearchEntries(text: string): SearchEntry[] {
  return (JSON.parse(text) as EntryTuple[]).map(([byName, id, name, type, region]) => ({
    byName: byName === 1,
    id,
    name,
    type,
    region,
  }));
}
