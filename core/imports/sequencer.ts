/**
 * S3's `sequencer` orders the events of one object key: the greater hexadecimal value is the later
 * event. Values may differ in length, so (as S3 documents) the shorter one is right-padded with
 * zeros and the two are compared as strings. Returns < 0, 0 or > 0, like a sort comparator.
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const left = a.toUpperCase().padEnd(width, '0');
  const right = b.toUpperCase().padEnd(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}

const SEQUENCER_DIGITS = 16;

/**
 * A sequencer for the local stack, where s3rver sends none: the event's time in milliseconds and a
 * counter for events within the same millisecond, as fixed-width hex, so later uploads compare greater.
 */
export function localSequencer(timeMs: number, counter = 0): string {
  return (BigInt(Math.floor(timeMs)) * 4096n + BigInt(counter % 4096))
    .toString(16)
    .toUpperCase()
    .padStart(SEQUENCER_DIGITS, '0');
}
