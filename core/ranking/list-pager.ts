import { type ListPage, lists, PAGE_SIZE, type RankingEntry } from './ranking-store.ts';

/**
 * Splits a ranking, fed in rank order, into the pages of every list it belongs to: `all`, and
 * `tier:`, `region:`, `type:` lists where the entry has that field. Full pages are handed out as
 * they fill, so a run holds at most one open page per list.
 */
export class ListPager {
  private readonly open = new Map<string, { page: number; entries: RankingEntry[] }>();
  private readonly ready: ListPage[] = [];
  private readonly counts = new Map<string, number>();

  /** Adds the next entry in rank order. */
  add(entry: RankingEntry): void {
    this.push(lists.all, entry);
    if (entry.tier !== null) this.push(lists.tier(entry.tier), entry);
    if (entry.region !== null) this.push(lists.region(entry.region), entry);
    if (entry.type !== null) this.push(lists.type(entry.type), entry);
  }

  /** Full pages collected since the last call. */
  takeFull(): ListPage[] {
    return this.ready.splice(0, this.ready.length);
  }

  /** Every remaining page, full or not; call once after the last entry. */
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

  private push(list: string, entry: RankingEntry): void {
    let open = this.open.get(list);
    if (!open) {
      open = { page: 0, entries: [] };
      this.open.set(list, open);
    }
    open.entries.push(entry);
    this.counts.set(list, (this.counts.get(list) ?? 0) + 1);
    if (open.entries.length === PAGE_SIZE) {
      this.ready.push({ list, page: open.page, entries: open.entries });
      this.open.set(list, { page: open.page + 1, entries: [] });
    }
  }
}
