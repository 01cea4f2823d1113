/** Points in a quantile sketch: the values at quantiles 0, 1/100, …, 1. */
export const SKETCH_POINTS = 101;

/**
 * The fixed-size sketch of an ascending-sorted sample: the whole sample when it has at most
 * {@link SKETCH_POINTS} values (so small populations stay exact), else the values at evenly
 * spaced quantiles (nearest rank).
 */
export function sketchOfSorted(sorted: ArrayLike<number>): number[] {
  const n = sorted.length;
  if (n <= SKETCH_POINTS) return Array.from(sorted);
  const points: number[] = new Array(SKETCH_POINTS);
  for (let k = 0; k < SKETCH_POINTS; k++) {
    points[k] = sorted[Math.round((k * (n - 1)) / (SKETCH_POINTS - 1))] as number;
  }
  return points;
}

/**
 * Mid-rank fraction (L + E/2)/count of `x` in a population described by a sketch: exact when the
 * sketch holds the whole population, else interpolated between the quantile points.
 */
export function midRankFraction(sketch: readonly number[], count: number, x: number): number {
  const k = sketch.length;
  if (k === 0 || count === 0) return 0.5;
  let below = 0;
  while (below < k && (sketch[below] as number) < x) below++;
  let upto = below;
  while (upto < k && (sketch[upto] as number) === x) upto++;
  if (k === count) return (below + (upto - below) / 2) / count;
  if (below === k) return 1;
  if (upto === 0) return 0;
  // Position of x among the sketch points, 0 … k−1, as a fraction of the population's ranks.
  let position: number;
  if (upto > below) position = (below + upto - 1) / 2;
  else {
    const left = sketch[below - 1] as number;
    const right = sketch[below] as number;
    position = below - 1 + (x - left) / (right - left);
  }
  const rank = (position / (k - 1)) * (count - 1);
  return (rank + 0.5) / count;
}
