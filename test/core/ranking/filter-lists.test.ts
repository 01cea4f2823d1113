import { describe, expect, it } from 'vitest';
import {
  countValues,
  isListed,
  listSize,
  planFilterLists,
  unlistedSizes,
} from '#core/ranking/filter-lists.ts';

describe('planFilterLists', () => {
  it('materialises the most common values per dimension and counts the partners of the others', () => {
    const region = ['b', 'a', 'c', 'a', 'b', 'd', null, 'a'];
    const type = ['x', 'y', null, null, null, null, null, null];
    const plan = planFilterLists({ region: countValues(region), type: countValues(type) }, 2);
    expect([...plan.listed].sort()).toEqual(['region:a', 'region:b', 'type:x', 'type:y']);
    expect(plan.unlisted).toEqual({ region: 2, type: 0 });
    expect(isListed(plan, 'region:c')).toBe(false);
    expect(isListed(plan, 'tier:Gold')).toBe(true);
    expect(isListed(plan, 'all')).toBe(true);
    const sizes = { all: 8, 'region:a': 3, 'region:b': 2, 'type:x': 1, ...unlistedSizes(plan) };
    expect(listSize(sizes, 'region:a')).toBe(3);
    expect(listSize(sizes, 'region:c')).toBeNull(); // not materialised: read `all`
    expect(listSize(sizes, 'type:z')).toBe(0); // every type is materialised: nobody has z
    expect(listSize(sizes, 'tier:Gold')).toBe(0);
  });

  it('breaks ties by value, so every run of the same data makes the same lists', () => {
    const plan = planFilterLists({ region: countValues(['z', 'y', 'x', 'w']), type: [] }, 2);
    expect([...plan.listed].sort()).toEqual(['region:w', 'region:x']);
  });

  it('keeps the number of lists bounded however many distinct values there are', () => {
    const region = Array.from({ length: 20_000 }, (_, i) => `Sales territory ${i} (free text)`);
    const plan = planFilterLists({ region: countValues(region), type: countValues(region) });
    expect(plan.listed.size).toBe(200);
    expect(plan.unlisted).toEqual({ region: 19_900, type: 19_900 });
  });
});
