/** Longest partner id, in characters (code points). */
export const MAX_ID_LENGTH = 128;
/** Longest name, type or region, in characters. */
export const MAX_TEXT_LENGTH = 256;

// C0, DEL and C1 control characters (Unicode category Cc).
const CONTROL = /\p{Cc}/u;

/** Why `id` is not a valid partner id, or `null` when it is (contract §3: 1–128 characters, no control characters). */
export function partnerIdProblem(id: string): string | null {
  if (id.length === 0) return 'must not be empty';
  if (CONTROL.test(id)) return 'must not contain control characters';
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
