import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSearchPages,
  compareCodePoints,
  entryKey,
  FENCE_UNITS,
  fenceOf,
  SEARCH_PAGE_SIZE,
  searchBucket,
  searchKey,
} from '#core/partners/search-index.ts';

const byteOrder = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
// Well-formed strings over ASCII, the BMP above the surrogates and astral planes: where UTF-16 and UTF-8 orders differ.
const text = fc.string({
  unit: fc.oneof(fc.constantFrom('a', 'b', 'A', 'é', '\uE000', '\uFFEE', '😀', '𝔸')),
  maxLength: 8,
});

describe('partner search index', () => {
  it('orders keys as DynamoDB orders UTF-8 strings (code points), not by UTF-16 units', () => {
    expect(compareCodePoints('\uFFEE', '😀')).toBeLessThan(0);
    expect('\uFFEE' < '😀').toBe(false); // the UTF-16 order is the other way round
    fc.assert(fc.property(text, text, (a, b) => Math.sign(compareCodePoints(a, b)) === byteOrder(a, b)));
  });

  it('finds a page by its fence: fence >= prefix exactly when the page ends at or after it', () => {
    fc.assert(
      fc.property(text, text, fc.nat(999_999), (lastKey, prefix, page) => {
        fc.pre(prefix.length > 0);
        const fence = fenceOf(lastKey, page);
        return byteOrder(fence, prefix) >= 0 === byteOrder(lastKey, prefix) >= 0;
      }),
    );
    // A long key is cut, never inside a surrogate pair, and keeps the property for prefixes that fit.
    const long = `${'x'.repeat(FENCE_UNITS - 1)}😀tail`;
    const fence = fenceOf(long, 3);
    expect(fence.startsWith('x'.repeat(FENCE_UNITS - 1))).toBe(true);
    expect(fence.includes('\uD83D')).toBe(false);
    expect(byteOrder(fence, 'x'.repeat(FENCE_UNITS - 1))).toBeGreaterThan(0);
  });

  it('indexes each partner by id and, when different, by name, in key order across pages', () => {
    const n = 250;
    const ids = Array.from({ length: n }, (_, i) => `P-${String(i).padStart(3, '0')}`);
    const names = ids.map((id, i) => (i % 2 === 0 ? id.toLowerCase() : `Name ${i % 7} ${id}`));
    const pages = buildSearchPages(
      ids,
      names,
      ids.map(() => null),
      ids.map(() => 'EMEA'),
    );
    const entries = pages.flatMap((page) => page.entries);
    expect(entries).toHaveLength(n + n / 2);
    expect(pages.every((page) => page.entries.length <= SEARCH_PAGE_SIZE)).toBe(true);
    // Within each bucket: keys in code-point order, fences rising; every key in its own bucket.
    for (const bucket of new Set(pages.map((page) => page.bucket))) {
      const inBucket = pages.filter((page) => page.bucket === bucket);
      const keys = inBucket.flatMap((page) => page.entries.map(entryKey));
      expect(keys).toEqual([...keys].sort(compareCodePoints));
      expect(keys.every((key) => searchBucket(key) === bucket)).toBe(true);
      const fences = inBucket.map((page) => page.fence);
      expect(fences).toEqual([...fences].sort(byteOrder));
    }
    expect(new Set(pages.map((page) => page.bucket)).size).toBeGreaterThan(1);
    expect(entries.find((e) => e.id === 'P-001' && e.byName)).toMatchObject({
      name: 'Name 1 P-001',
      region: 'EMEA',
    });
  });

  it('keys are lowercase with control characters as spaces', () => {
    expect(searchKey('ACME\tCorp')).toBe('acme corp');
  });
});
