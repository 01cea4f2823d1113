/** Longest partner id, in characters (code points). */
export const MAX_ID_LENGTH = 128;
/** Longest name, type or region, in characters. */
export const MAX_TEXT_LENGTH = 256;

// C0, DEL and C1 control characters (Unicode category Cc).
const CONTROL = /\p{Cc}/u;
// With the u flag a surrogate pair is one code point: only an unpaired half matches (ES2023's
// stand-in for ES2024's String.prototype.isWellFormed).
const LONE_SURROGATE = /\p{Cs}/u;

/** What a string with an unpaired surrogate (not valid Unicode, not storable as UTF-8) is told. */
export const WELL_FORMED_MESSAGE = 'must be well-formed Unicode (it holds an unpaired surrogate)';

/** Whether `text` is well-formed Unicode: no unpaired UTF-16 surrogate. */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Why `id` is not a valid partner id, or `null` when it is (contract §3: 1–128 characters, no control characters). */
export function partnerIdProblem(id: string): string | null {
  if (id.length === 0) return 'must not be empty';
  if (CONTROL.test(id)) return 'must not contain control characters';
  if (!isWellFormed(id)) return WELL_FORMED_MESSAGE;
  let length = 0;
  for (const _ of id) length++;
  if (length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters`;
  return null;
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Parses an ISO-8601 date or date-time (`2024-05-01`, `2024-05-01T10:00:00.5+02:00`) to the
 * canonical UTC form `toISOString()` gives, so stored `asOf` values compare as strings.
 * A time without an offset is read as UTC. Returns `null` for anything else (including 2024-02-30).
 */
export function parseAsOf(text: string): string | null {
  const match = ISO_8601.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = match;
  const ms = fraction.slice(0, 3).padEnd(3, '0');
  const offset =
    zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const time = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`);
  if (Number.isNaN(time)) return null;
  // Date.parse rolls 2024-02-30 over to March: check the calendar date survived.
  const probe = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (probe.getUTCMonth() !== Number(mo) - 1 || probe.getUTCDate() !== Number(d)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  return new Date(time).toISOString();
}

/** How far ahead of the time of writing an `asOf` may lie: clock skew, not a year typo. */
export const MAX_ASOF_AHEAD_MS = 24 * 60 * 60 * 1000;

/**
 * Why a canonical `asOf` is too far in the future at `now` (more than {@link MAX_ASOF_AHEAD_MS}),
 * or `null`. A far-future `asOf` would make every later update of the partner stale.
 */
export function futureAsOfProblem(asOf: string, now: string): string | null {
  if (Date.parse(asOf) - Date.parse(now) <= MAX_ASOF_AHEAD_MS) return null;
  return `must not be more than 1 day in the future (${asOf} is after ${new Date(Date.parse(now) + MAX_ASOF_AHEAD_MS).toISOString()}; check the year)`;
}
