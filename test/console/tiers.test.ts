import { describe, expect, it } from 'vitest';
import { tiersInModelOrder } from '../../console/src/tiers.ts';

const MODEL = ['Platinum', 'Gold', 'Silver', 'Bronze'];

describe('tier distribution rows', () => {
  it("keep the model's order when the top tier has partners only in the previous run", () => {
    expect(
      tiersInModelOrder(MODEL, { Gold: 3, Silver: 5, Bronze: 9 }, { Platinum: 1, Gold: 2, Bronze: 10 }),
    ).toEqual(['Platinum', 'Gold', 'Silver', 'Bronze']);
  });

  it('list only tiers with partners in one of the runs, then tiers of an older model', () => {
    expect(tiersInModelOrder(MODEL, { Bronze: 4, Gold: 1 }, { Elite: 2, Gold: 3 })).toEqual([
      'Gold',
      'Bronze',
      'Elite',
    ]);
    expect(tiersInModelOrder(MODEL, { Silver: 2 }, undefined)).toEqual(['Silver']);
    expect(tiersInModelOrder([], { Silver: 2, Gold: 1 }, undefined)).toEqual(['Silver', 'Gold']);
  });
});
