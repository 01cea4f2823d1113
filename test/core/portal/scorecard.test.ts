import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { MIN_BAND_PARTNERS, marginToDemotion, percentileBand } from '#core/portal/scorecard.ts';
import { groupsOf } from '#functions/http/access.ts';

describe('the scorecard’s numbers', () => {
  it('bands a percentile, and shows none under 20 partners', () => {
    expect(MIN_BAND_PARTNERS).toBe(20);
    // The best of 20: 100·(19 + 1/2)/20 = 97.5.
    expect(percentileBand(97.5, 20)).toBe('top 10%');
    expect(percentileBand(90, 20)).toBe('top 10%');
    expect(percentileBand(89.9, 20)).toBe('top 25%');
    expect(percentileBand(50, 1000)).toBe('top 50%');
    expect(percentileBand(49.9, 1000)).toBe('bottom 50%');
    expect(percentileBand(97.5, 19)).toBeNull();
    expect(percentileBand(null, 100)).toBeNull();
  });

  it('measures the margin to demotion from the held tier’s threshold minus the hysteresis, floored to 0.1', () => {
    // Gold at 60, hysteresis 2: a Gold partner at 61.37 keeps Gold down to 58.
    expect(marginToDemotion(DEFAULT_MODEL, 'Gold', 61.37)).toBe(3.3);
    // Held through hysteresis below the threshold.
    expect(marginToDemotion(DEFAULT_MODEL, 'Gold', 58.05)).toBe(0);
    expect(marginToDemotion(DEFAULT_MODEL, null, 12)).toBeNull();
    expect(marginToDemotion(DEFAULT_MODEL, 'Gold', null)).toBeNull();
  });
});

describe('cognito:groups as API Gateway hands it over', () => {
  it('reads the bracketed string, JSON and arrays', () => {
    expect(groupsOf('[partner-users]')).toEqual(['partner-users']);
    expect(groupsOf('[admins partner-users]')).toEqual(['admins', 'partner-users']);
    expect(groupsOf('["a","partner-users"]')).toEqual(['a', 'partner-users']);
    expect(groupsOf(['x'])).toEqual(['x']);
    expect(groupsOf(undefined)).toEqual([]);
  });
});
