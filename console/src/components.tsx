import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { fmt } from './format.ts';
import { href } from './route.ts';

/** Loads when `deps` change; the previous value stays shown while the next one loads. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (value) => live && setState({ value, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((value) => value + 1) };
}

const KNOWN_TIERS = ['platinum', 'gold', 'silver', 'bronze'];

export function TierBadge({ tier }: { tier: string | null | undefined }) {
  if (!tier) return <span class="badge badge-none">No tier</span>;
  const known = KNOWN_TIERS.includes(tier.toLowerCase()) ? tier.toLowerCase() : 'other';
  return <span class={`badge badge-${known}`}>{tier}</span>;
}

/** Rank change since the previous run: arrow and number, spelled out for screen readers. */
export function RankChange({ rank, previousRank }: { rank: number | null; previousRank: number | null }) {
  if (rank === null) return <span class="change">—</span>;
  if (previousRank === null) return <span class="change change-new">new</span>;
  const moved = previousRank - rank;
  if (moved === 0) {
    return (
      <span class="change change-same" title="unchanged">
        <span aria-hidden="true">–</span>
        <span class="sr-only">unchanged</span>
      </span>
    );
  }
  const up = moved > 0;
  return (
    <span class={`change ${up ? 'change-up' : 'change-down'}`}>
      <span aria-hidden="true">{up ? '▲' : '▼'}</span> {fmt.int(Math.abs(moved))}
      <span class="sr-only">{up ? ' places up' : ' places down'}</span>
    </span>
  );
}

export function ScoreBar({ value, max }: { value: number | null; max: number }) {
  const fraction = value === null || max <= 0 ? 0 : Math.max(0, Math.min(1, value / max));
  return (
    <span class="score-cell">
      <span class="num">{fmt.score(value)}</span>
      <svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">
        <rect class="bar-track" x="0" y="0" width="100" height="8" />
        <rect class="bar-fill" x="0" y="0" width={fraction * 100} height="8" />
      </svg>
    </span>
  );
}

/** A partner's name linking to its scorecard, its id beside it when the two differ. */
export function PartnerName({ id, name }: { id: string; name: string }) {
  return (
    <>
      <a class="partner-link" href={href('partner', id)}>
        {name}
      </a>
      {name !== id ? <span class="muted id"> {id}</span> : null}
    </>
  );
}

/** The current time, renewed every `everyMs` while the component shows. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** Time left until a deadline ("1 d 4 h left", "12 min left"), or "expired"; the exact time on hover. */
export function Deadline({ at }: { at: string | null }) {
  const now = useNow(1000);
  if (!at) return <span class="muted">—</span>;
  const left = new Date(at).getTime() - now;
  return (
    <time dateTime={at} title={fmt.dateTime(at)} class={left <= 0 ? 'deadline deadline-over' : 'deadline'}>
      {left <= 0 ? 'expired' : `${fmt.span(left)} left`}
    </time>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  const message =
    error instanceof ApiError
      ? `${error.problem.title}: ${error.problem.detail}`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

export function Panel(props: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  id?: string;
}) {
  return (
    <section class="panel" aria-labelledby={props.id ? `${props.id}-title` : undefined}>
      <header class="panel-head">
        <h2 id={props.id ? `${props.id}-title` : undefined}>{props.title}</h2>
        {props.actions && <div class="panel-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Stat(props: { label: string; value: ComponentChildren; hint?: ComponentChildren }) {
  return (
    <div class="stat">
      <dt>{props.label}</dt>
      <dd>
        <span class="stat-value">{props.value}</span>
        {props.hint && <span class="stat-hint">{props.hint}</span>}
      </dd>
    </div>
  );
}
