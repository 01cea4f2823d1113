/** Numbers and dates the way the reader's locale writes them. */
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const score = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const precise = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export const fmt = {
  int: (value: number | null | undefined) =>
    value === null || value === undefined ? '—' : integer.format(value),
  score: (value: number | null | undefined) =>
    value === null || value === undefined ? '—' : score.format(value),
  num: (value: number | null | undefined) =>
    value === null || value === undefined ? '—' : precise.format(value),
  pct: (fraction: number | null | undefined) =>
    fraction === null || fraction === undefined ? '—' : percent.format(fraction),
  dateTime: (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—'),
  date: (iso: string | null | undefined) => (iso ? date.format(new Date(iso)) : '—'),
  /** A time span in its two largest units: "2 d 5 h", "3 h 12 min", "4 min 30 s", "45 s". */
  span: (ms: number) => {
    const seconds = Math.max(0, Math.floor(ms / 1000));
    const parts: [number, string][] = [
      [Math.floor(seconds / 86_400), 'd'],
      [Math.floor(seconds / 3600) % 24, 'h'],
      [Math.floor(seconds / 60) % 60, 'min'],
      [seconds % 60, 's'],
    ];
    const first = parts.findIndex(([value]) => value > 0);
    return parts
      .slice(first === -1 ? parts.length - 1 : first, (first === -1 ? parts.length - 1 : first) + 2)
      .filter(([value], index) => index === 0 || value > 0)
      .map(([value, unit]) => `${integer.format(value)} ${unit}`)
      .join(' ');
  },
  duration: (from: string | null | undefined, to: string | null | undefined) => {
    if (!from || !to) return '—';
    const ms = new Date(to).getTime() - new Date(from).getTime();
    return ms < 1000
      ? `${integer.format(ms)} ms`
      : ms < 120_000
        ? `${score.format(ms / 1000)} s`
        : `${score.format(ms / 60_000)} min`;
  },
};
