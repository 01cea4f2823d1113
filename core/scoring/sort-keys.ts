const DIGIT_BITS = 16;
const BUCKETS = 1 << DIGIT_BITS;
const MASK = BUCKETS - 1;

/**
 * Indices of `values` in ascending (or descending) numeric order, stable: equal values keep their
 * input order. An LSD radix sort over the IEEE-754 bits (4 passes of 16 bits, skipping passes
 * where every key shares the digit), several times faster than a comparator sort at a million
 * keys. `-0` sorts as `0`; NaN goes last ascending, first descending.
 */
export function argsortNumbers(values: Float64Array, descending = false): Uint32Array {
  const n = values.length;
  const bits = new Float64Array(n);
  for (let i = 0; i < n; i++) bits[i] = (values[i] as number) + 0; // -0 + 0 = 0
  const words = new Uint32Array(bits.buffer);
  // Little-endian words: low half at 2i, high half at 2i+1 (every platform Node supports).
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let idx = new Uint32Array(n);
  const flip = descending ? 0xffffffff : 0;
  for (let i = 0; i < n; i++) {
    let h = words[2 * i + 1] as number;
    let l = words[2 * i] as number;
    // Order-preserving map of doubles to unsigned integers: negative → flip all bits, else set the sign bit.
    if (h & 0x80000000) {
      h = ~h;
      l = ~l;
    } else h |= 0x80000000;
    hi[i] = (h ^ flip) >>> 0;
    lo[i] = (l ^ flip) >>> 0;
    idx[i] = i;
  }
  const counts = [
    new Uint32Array(BUCKETS),
    new Uint32Array(BUCKETS),
    new Uint32Array(BUCKETS),
    new Uint32Array(BUCKETS),
  ];
  const [c0, c1, c2, c3] = counts as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  for (let i = 0; i < n; i++) {
    const l = lo[i] as number;
    const h = hi[i] as number;
    (c0[l & MASK] as number)++;
    (c1[l >>> DIGIT_BITS] as number)++;
    (c2[h & MASK] as number)++;
    (c3[h >>> DIGIT_BITS] as number)++;
  }
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  let idx2 = new Uint32Array(n);
  for (let pass = 0; pass < 4; pass++) {
    const count = counts[pass] as Uint32Array;
    const src = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : DIGIT_BITS;
    // A pass where every key has the same digit would only copy.
    if (n === 0 || count[((src[0] as number) >>> shift) & MASK] === n) continue;
    // Exclusive prefix sums turn counts into start offsets.
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = count[b] as number;
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const digit = ((src[i] as number) >>> shift) & MASK;
      const to = count[digit] as number;
      count[digit] = to + 1;
      hi2[to] = hi[i] as number;
      lo2[to] = lo[i] as number;
      idx2[to] = idx[i] as number;
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
    [idx, idx2] = [idx2, idx];
  }
  return idx;
}
