import type { RankingEntry } from '../api/rankings.schema.ts';
import type { ListPage } from '../ports.ts';
import { encodeEntries, encodeEntry, lists, PAGE_MAX_BYTES, PAGE_SIZE } from './ranking-store.ts';

interface OpenPage {
  page: number;
  entries: RankingEntry[];
  /** UTF-8 bytes of `encodeEntries(entries)`. */
  bytes: number;
}

/** UTF-8 bytes of the `[]` around encoded entries. */
const BRACKETS = 2;

/**
 * Splits a ranking, fed in rank order, into the pages of every list it belongs to: `all`, and
 * `tier:`, `region:`, `type:` lists where the entry has that field. A page closes at
 * {@link PAGE_SIZE} entries, or earlier when the next entry would take its encoded entries past
 * `maxBytes` (a page always takes at least one entry). Closed pages are handed out as they fill, so
 * a run holds at most one open page per list.
 */
export class ListPager {
  private readonly open = new Map<string, OpenPage>();
  private readonly ready: ListPage[] = [];
  private readonly counts = new Map<string, number>();
  /** Page 0 of `all`, kept for {@link ListPager.head}. */
  private top: RankingEntry[] = [];

  /** @param maxBytes most UTF-8 bytes of a page's encoded entries (tests pass a small one). */
  constructor(private readonly maxBytes = PAGE_MAX_BYTES) {}

  /** Adds the next entry in rank order. */
  add(entry: RankingEntry): void {
    const bytes = Buffer.byteLength(encodeEntry(entry));
    this.push(lists.all, entry, bytes);
    if (entry.tier !== null) this.push(lists.tier(entry.tier), entry, bytes);
    if (entry.region !== null) this.push(lists.region(entry.region), entry, bytes);
    if (entry.type !== null) this.push(lists.type(entry.type), entry, bytes);
  }

  /** Closed pages collected since the last call. */
  takeFull(): ListPage[] {
    return this.ready.splice(0, this.ready.length);
  }

  /** Every remaining page, closed or not; call once after the last entry. */
  takeRest(): ListPage[] {
    for (const [list, open] of this.open) {
      if (open.entries.length > 0) this.ready.push({ list, page: open.page, entries: open.entries });
    }
    this.open.clear();
    return this.takeFull();
  }

  /** Entries per list so far. */
  listSizes(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /**
   * The top of the ranking for the current-run pointer, after the last entry: page 0 of `all` when
   * its entries take at most `maxBytes` and it is complete in the reader's sense, i.e. it holds
   * {@link PAGE_SIZE} entries or the whole ranking (so a shorter head means the ranking ends there);
   * `undefined` otherwise (readers then fetch page 0 like any other page).
   */
  head(maxBytes: number): RankingEntry[] | undefined {
    const complete = this.top.length === PAGE_SIZE || this.top.length === (this.counts.get(lists.all) ?? 0);
    return complete && Buffer.byteLength(encodeEntries(this.top)) <= maxBytes ? this.top : undefined;
  }

  private push(list: string, entry: RankingEntry, bytes: number): void {
    let open = this.open.get(list);
    if (!open) {
      open = { page: 0, entries: [], bytes: BRACKETS };
      this.open.set(list, open);
      if (list === lists.all) this.top = open.entries;
    } else if (open.entries.length > 0 && open.bytes + 1 + bytes > this.maxBytes) {
      open = this.close(list, open);
    }
    open.bytes += (open.entries.length > 0 ? 1 : 0) + bytes;
    open.entries.push(entry);
    this.counts.set(list, (this.counts.get(list) ?? 0) + 1);
    if (open.entries.length === PAGE_SIZE) this.close(list, open);
  }

  /** Hands out `open` and returns the next page of `list`, now open. */
  private close(list: string, open: OpenPage): OpenPage {
    this.ready.push({ list, page: open.page, entries: open.entries });
    const next = { page: open.page + 1, entries: [], bytes: BRACKETS };
    this.open.set(list, next);
    return next;
  }
}
