import { PAGE_MAX_BYTES, PAGE_SIZE } from '../ranking/ranking-store.ts';

/** UTF-8 bytes of the `[]` around encoded entries. */
const BRACKETS = 2;

/**
 * Plans the pages of ranking lists from entry sizes alone, entry by entry in rank order: the page
 * and offset each entry gets, by the same rule as `ListPager` (a page closes at {@link PAGE_SIZE}
 * entries or before the entry that would take its encoded entries past `maxBytes`). The scorer plans
 * pages without the entries' text; page writers then fill them anywhere.
 */
export class PagePlanner {
  private readonly open = new Map<string, { page: number; count: number; bytes: number; size: number }>();

  constructor(private readonly maxBytes = PAGE_MAX_BYTES) {}

  /** Places the next entry of `list` (its encoded size in UTF-8 bytes). */
  add(list: string, bytes: number): { page: number; offset: number } {
    let open = this.open.get(list);
    if (!open) {
      open = { page: 0, count: 0, bytes: BRACKETS, size: 0 };
      this.open.set(list, open);
    } else if (open.count === PAGE_SIZE || (open.count > 0 && open.bytes + 1 + bytes > this.maxBytes)) {
      open.page++;
      open.count = 0;
      open.bytes = BRACKETS;
    }
    const offset = open.count;
    open.bytes += (open.count > 0 ? 1 : 0) + bytes;
    open.count++;
    open.size++;
    return { page: open.page, offset };
  }

  /** Entries per list. */
  sizes(): Record<string, number> {
    return Object.fromEntries([...this.open].map(([list, open]) => [list, open.size]));
  }
}
