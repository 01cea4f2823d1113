import { describe, expect, it } from 'vitest';
import { ValidationError } from '#core/errors.ts';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { parseScoringModel } from '#core/model/scoring-model.ts';

// biome-ignore lint/suspicious/noExplicitAny: the tests write invalid shapes on purpose
const valid = () => structuredClone(DEFAULT_MODEL) as unknown as Record<string, any>;

function errorsOf(input: unknown): { path: string; message: string }[] {
  try {
    parseScoringModel(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).errors;
  }
  throw new Error('expected the model to be rejected');
}

describe('parseScoringModel', () => {
  it('accepts the default model and fills defaults', () => {
    expect(parseScoringModel(valid())).toEqual(DEFAULT_MODEL);
    const model = parseScoringModel({
      metrics: [{ name: 'sales', group: 'business', weight: 1 }],
      tiers: [{ name: 'Any', minScore: 0 }],
    });
    expect(model.metrics[0]).toEqual({
      name: 'sales',
      group: 'business',
      weight: 1,
      normalization: 'minmax',
      direction: 'higher',
      missing: 'zero',
      cap: { min: null, max: null },
      halfLifeDays: null,
    });
    expect(model.tierHysteresis).toBe(0);
  });

  it('rejects a non-object with a root path', () => {
    expect(errorsOf(null)).toEqual([{ path: '/', message: 'must be a JSON object' }]);
  });

  it('requires metrics and tiers', () => {
    expect(errorsOf({})).toEqual([
      { path: '/metrics', message: 'is required' },
      { path: '/tiers', message: 'is required' },
    ]);
    expect(errorsOf({ metrics: [], tiers: [] })).toEqual([
      { path: '/metrics', message: 'needs at least one metric' },
      { path: '/tiers', message: 'needs at least one tier' },
    ]);
  });

  it('names the allowed values of each enum', () => {
    const model = valid();
    model.metrics[1].group = 'other';
    model.metrics[2].normalization = 'sqrt';
    model.metrics[3].direction = 'up';
    model.metrics[4].missing = 'drop';
    expect(errorsOf(model)).toEqual([
      { path: '/metrics/1/group', message: 'must be one of: business, relationship' },
      { path: '/metrics/2/normalization', message: 'must be one of: none, minmax, log, zscore, percentile' },
      { path: '/metrics/3/direction', message: 'must be one of: higher, lower' },
      { path: '/metrics/4/missing', message: 'must be one of: zero, neutral, exclude' },
    ]);
  });

  it('rejects negative, non-finite and non-numeric weights', () => {
    const model = valid();
    model.metrics[0].weight = -1;
    model.metrics[1].weight = Number.POSITIVE_INFINITY;
    model.metrics[2].weight = '25';
    expect(errorsOf(model)).toEqual([
      { path: '/metrics/0/weight', message: 'must be 0 or more' },
      { path: '/metrics/1/weight', message: 'must be a finite number' },
      { path: '/metrics/2/weight', message: 'must be a finite number' },
    ]);
  });

  it('rejects a non-positive half-life and a negative hysteresis', () => {
    const model = valid();
    model.metrics[0].halfLifeDays = 0;
    model.tierHysteresis = -1;
    expect(errorsOf(model)).toEqual([
      { path: '/metrics/0/halfLifeDays', message: 'must be greater than 0' },
      { path: '/tierHysteresis', message: 'must be 0 or more' },
    ]);
  });

  it('rejects every number outside the stored range (0, or 1e-130 ≤ |x| < 1e126), with its path', () => {
    const range = 'must be 0 or between 1e-130 and 1e126 in magnitude (the stored number range)';
    const model = valid();
    model.metrics[0].weight = 1e200;
    model.metrics[1].weight = 1e-200;
    model.metrics[1].halfLifeDays = 1e-200;
    model.metrics[2].cap = { min: 1e-200, max: 1e126 };
    model.metrics[3].halfLifeDays = 1e300;
    model.tiers[0].minScore = 1e130;
    model.tiers[3].minScore = -1e-131;
    model.tierHysteresis = 1e-140;
    expect(errorsOf(model)).toEqual([
      { path: '/metrics/0/weight', message: range },
      { path: '/metrics/1/weight', message: range },
      { path: '/metrics/1/halfLifeDays', message: range },
      { path: '/metrics/2/cap/min', message: range },
      { path: '/metrics/2/cap/max', message: range },
      { path: '/metrics/3/halfLifeDays', message: range },
      { path: '/tiers/0/minScore', message: range },
      { path: '/tiers/3/minScore', message: range },
      { path: '/tierHysteresis', message: range },
    ]);
  });

  it('gives a negative weight, half-life or hysteresis one message, even when also out of range', () => {
    const model = valid();
    model.metrics[0].weight = -1e200;
    model.metrics[0].halfLifeDays = -1e-200;
    model.tierHysteresis = -1e300;
    expect(errorsOf(model)).toEqual([
      { path: '/metrics/0/weight', message: 'must be 0 or more' },
      { path: '/metrics/0/halfLifeDays', message: 'must be greater than 0' },
      { path: '/tierHysteresis', message: 'must be 0 or more' },
    ]);
  });

  it('accepts the ends of the stored range', () => {
    const model = valid();
    // The largest double below 1e126 (9.999999999999999e125 is 1e126 as a double).
    model.metrics[0].weight = 9.999999999999998e125;
    model.metrics[1].weight = 1e-130;
    model.metrics[1].halfLifeDays = 1e-130;
    model.metrics[2].cap = { min: -9.999999999999998e125, max: 0 };
    model.tiers[3].minScore = -1e-130;
    expect(parseScoringModel(model)).toEqual(model);
    model.metrics[1].weight = 9.999999999999999e-131;
    expect(errorsOf(model).map((e) => e.path)).toEqual(['/metrics/1/weight']);
  });

  it('rejects names that collide after name matching', () => {
    const model = valid();
    model.metrics[3].name = 'Sales';
    model.metrics[4].name = 'RE-PUTATION';
    expect(errorsOf(model)).toEqual([
      { path: '/metrics/3/name', message: 'collides with /metrics/0/name after name matching' },
      { path: '/metrics/4/name', message: 'collides with /metrics/2/name after name matching' },
    ]);
  });

  it('rejects cap.min above cap.max, and accepts cap.min equal to cap.max', () => {
    const model = valid();
    model.metrics[2].cap = { min: 10, max: 5 };
    expect(errorsOf(model)).toEqual([{ path: '/metrics/2/cap/min', message: 'must not exceed cap.max' }]);
    model.metrics[2].cap = { min: 5, max: 5 };
    expect(parseScoringModel(model).metrics[2]?.cap).toEqual({ min: 5, max: 5 });
  });

  it('rejects duplicate tier names and minScores that are not strictly descending', () => {
    const model = valid();
    model.tiers[1] = { name: 'Platinum', minScore: 80 };
    model.tiers[3].minScore = 50;
    expect(errorsOf(model)).toEqual([
      { path: '/tiers/1/name', message: 'tier names must be unique' },
      { path: '/tiers/1/minScore', message: 'minScore must be strictly below the tier before it' },
      { path: '/tiers/3/minScore', message: 'minScore must be strictly below the tier before it' },
    ]);
  });

  it('rejects empty names and non-object entries', () => {
    const model = valid();
    model.metrics[0].name = '';
    model.metrics[1] = 5;
    model.tiers[0].name = '';
    expect(errorsOf(model)).toEqual([
      { path: '/metrics/0/name', message: 'must not be empty' },
      { path: '/metrics/0/name', message: 'must contain a letter or digit' },
      { path: '/metrics/1', message: 'must be an object' },
      { path: '/tiers/0/name', message: 'must not be empty' },
    ]);
  });
});
