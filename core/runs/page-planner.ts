import { PAGE_MAX_BYTES, PAGE_SIZE } from '../ranking/ranking-store.ts';

/** UTF-8 bytes of the `[]` around encoded entries. */
const BRACKETS = 2;

/**
 * Plans the pages of ranking lists from entry sizes alone, entry by entry in rank order: the page
 * and offset each entry gets, by the same rule as `ListPager` (a page closes at {@link PAGE_SIZE}
 * entries or before the entry that would take its encoded entries past `maxBytes`). The scorer plans
 * pages without the entries' text; page writers then fill them anywhere.
 *
 * Lists are numbered in the order they are first used ({@link slot}); {@link addTo} places an entry
 * by that number, so that planning millions of entries allocates nothing per entry.
 */
export class PagePlanner {
  private readonly slots = new Map<string, number>();
  private readonly names: string[] = [];
  private page: number[] = [];
  private count: number[] = [];
  private bytes: number[] = [];
  private size: number[] = [];
  /** The page of the entry {@link addTo} placed last. */
  lastPage = 0;

  constructor(private readonly maxBytes = PAGE_MAX_BYTES) {}

  /** The number of `list` (a new list gets the next one). */
  slot(list: string): number {
    let slot = this.slots.get(list);
    if (slot === undefined) {
      slot = this.names.length;
      this.slots.set(list, slot);
      this.names.push(list);
      this.page.push(0);
      this.count.push(0);
      this.bytes.push(BRACKETS);
      this.size.push(0);
    }
    return slot;
  }

  /** Places the next entry (its encoded size in UTF-8 bytes) of list number `slot`: its offset; its page is then {@link lastPage}. */
  addTo(slot: number, bytes: number): number {
    let count = this.count[slot] as number;
    if (count === PAGE_SIZE || (count > 0 && (this.bytes[slot] as number) + 1 + bytes > this.maxBytes)) {
      this.page[slot] = (this.page[slot] as number) + 1;
      count = 0;
      this.bytes[slot] = BRACKETS;
    }
    this.bytes[slot] = (this.bytes[slot] as number) + (count > 0 ? 1 : 0) + bytes;
    this.count[slot] = count + 1;
    this.size[slot] = (this.size[slot] as number) + 1;
    this.lastPage = this.page[slot] as number;
    return count;
  }

  /** Places the next entry of `list` (its encoded size in UTF-8 bytes). */
  add(list: string, bytes: number): { page: number; offset: number } {
    const offset = this.addTo(this.slot(list), bytes);
    return { page: this.lastPage, offset };
  }

  /** The lists, by number. */
  lists(): string[] {
    return [...this.names];
  }

  /** Entries per list. */
  sizes(): Record<string, number> {
    return Object.fromEntries(this.names.map((list, slot) => [list, this.size[slot] as number]));
  }
}
