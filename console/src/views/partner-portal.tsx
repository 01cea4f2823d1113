import { useEffect } from 'preact/hooks';
import { api, type OwnHistory, type OwnScorecard } from '../api.ts';
import { signOut } from '../auth.ts';
import { ErrorNote, Panel, useAsync } from '../components.tsx';
import { DataTable } from '../components-table.tsx';
import { fmt } from '../format.ts';
import { href, useRoute } from '../route.ts';
import { PartnerOffers } from './partner-offers.tsx';

/** The portal's views: its own scorecard (home) and the leads offered to it. */
const PORTAL_VIEWS = [
  ['scorecard', 'Scorecard'],
  ['offers', 'Offers'],
] as const;

/**
 * The console of a partner user: its own partner's scorecard, tier progress and trend, and the leads
 * offered to it; nothing of the vendor's views (no navigation to them: every vendor route answers this
 * user 403 anyway).
 */
export function PartnerPortal() {
  const route = useRoute();
  const current = route.view === 'offers' ? 'offers' : 'scorecard';
  const me = useAsync(() => api.me(), []);
  const card = useAsync(() => api.myScorecard(), []);
  const history = useAsync(() => api.myHistory(30), []);
  useEffect(() => {
    document.title = `${current === 'offers' ? 'Your offers' : 'Your scorecard'} · Partner portal`;
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [current]);
  return (
    <>
      <header class="top">
        <div class="brand">
          <svg viewBox="0 0 16 16" width="22" height="22" aria-hidden="true">
            <rect width="16" height="16" rx="3" class="brand-mark" />
            <path d="M4 12V8h2v4zm3 0V5h2v7zm3 0V3h2v9z" fill="#fff" />
          </svg>
          <span>Partner portal</span>
        </div>
        <nav aria-label="Portal" class="tabs">
          {PORTAL_VIEWS.map(([view, label]) => (
            <a key={view} href={href(view)} aria-current={current === view ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <div class="top-right">
          {me.value ? (
            <span class="who">
              {me.value.email} · {me.value.partnerName}
            </span>
          ) : null}
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {current === 'offers' ? (
          <>
            <h1>{me.value ? `${me.value.partnerName}: your offers` : 'Your offers'}</h1>
            {me.error ? <ErrorNote error={me.error} /> : null}
            <PartnerOffers />
          </>
        ) : (
          <>
            <h1>{card.value ? `${card.value.name}: your scorecard` : 'Your scorecard'}</h1>
            {me.error ? <ErrorNote error={me.error} /> : null}
            {card.error ? <ErrorNote error={card.error} /> : null}
            {card.value ? <ScorecardPanels card={card.value} /> : null}
            {history.value ? <Trend history={history.value} /> : null}
          </>
        )}
      </main>
    </>
  );
}

function ScorecardPanels({ card }: { card: OwnScorecard }) {
  return (
    <>
      <Panel title="Tier" id="tier">
        <dl class="stats">
          <div class="stat">
            <dt>Tier</dt>
            <dd>
              <span class="stat-value" data-testid="own-tier">
                {card.tier ?? 'No tier yet'}
              </span>
              {card.provisional ? <span class="stat-hint">provisional until the next run</span> : null}
            </dd>
          </div>
          <div class="stat">
            <dt>Score</dt>
            <dd>
              <span class="stat-value" data-testid="own-score">
                {fmt.score(card.score)}
              </span>
            </dd>
          </div>
          <div class="stat">
            <dt>Standing</dt>
            <dd>
              <span class="stat-value">{card.percentileBand ?? '—'}</span>
              <span class="stat-hint">of partners</span>
            </dd>
          </div>
          <div class="stat">
            <dt>Data as of</dt>
            <dd>
              <span class="stat-value">{fmt.date(card.dataAsOf)}</span>
            </dd>
          </div>
        </dl>
        <TierProgress card={card} />
      </Panel>
      <Panel title="Points per metric" id="metrics">
        <DataTable
          caption="Your points per metric, out of the most each can give"
          wrap={false}
          rows={card.metrics}
          rowKey={(metric) => metric.metric}
          rowAttributes={(metric) => ({ 'data-metric': metric.metric })}
          columns={[
            { key: 'metric', label: 'Metric', rowHeader: true, cell: (metric) => metric.metric },
            {
              key: 'value',
              label: 'Your value',
              numeric: true,
              cell: (metric) => (metric.value === null ? 'Unknown' : fmt.num(metric.value)),
            },
            { key: 'points', label: 'Points', numeric: true, cell: (metric) => fmt.score(metric.points) },
            {
              key: 'maxPoints',
              label: 'Out of',
              numeric: true,
              cell: (metric) => (metric.maxPoints === null ? '—' : fmt.score(metric.maxPoints)),
            },
          ]}
        />
      </Panel>
      <Panel title="Where the most points are left" id="work-on">
        {card.workOn.length === 0 ? (
          <p>Every metric gives you all its points.</p>
        ) : (
          <ol class="work-on">
            {card.workOn.map((item) => (
              <li key={item.metric}>
                {item.metric}: up to {fmt.score(item.pointsAvailable)} more points
              </li>
            ))}
          </ol>
        )}
      </Panel>
    </>
  );
}

/** The score against the next tier's threshold, and the margin before the held tier is lost. */
function TierProgress({ card }: { card: OwnScorecard }) {
  if (card.score === null) return <p>Your first score comes with the next run.</p>;
  const next = card.nextTier;
  const target = next ? card.score + next.pointsNeeded : card.score;
  const fraction = target > 0 ? Math.min(1, Math.max(0, card.score / target)) : 1;
  return (
    <div class="tier-progress">
      <p>
        {next ? `${fmt.score(next.pointsNeeded)} points to ${next.name}.` : 'You hold the top tier.'}{' '}
        {card.marginToDemotion === null
          ? ''
          : `You keep ${card.tier} while your score stays within ${fmt.score(card.marginToDemotion)} points of today’s.`}
      </p>
      <svg
        viewBox="0 0 100 8"
        preserveAspectRatio="none"
        class="bar"
        role="img"
        aria-label={next ? `${fmt.pct(fraction)} of the way to ${next.name}` : 'Top tier'}
      >
        <rect class="bar-track" x="0" y="0" width="100" height="8" />
        <rect class="bar-fill" x="0" y="0" width={fraction * 100} height="8" />
      </svg>
    </div>
  );
}

/** The score per run, oldest to newest, with the tier of each run. */
function Trend({ history }: { history: OwnHistory }) {
  const points = [...history.items].reverse();
  if (points.length === 0) return null;
  const max = Math.max(...points.map((point) => point.score), 1);
  const step = points.length > 1 ? 100 / (points.length - 1) : 0;
  const y = (score: number) => 38 - (score / max) * 34;
  return (
    <Panel title="Your score per run" id="trend">
      <svg
        viewBox="-2 0 104 40"
        class="history-chart"
        role="img"
        aria-label={`Score over the last ${points.length} runs`}
      >
        <polyline
          class="line"
          fill="none"
          points={points.map((point, index) => `${index * step},${y(point.score)}`).join(' ')}
        />
        {points.map((point, index) => (
          <circle key={point.runId} class="point" cx={index * step} cy={y(point.score)} r="1.2">
            <title>
              {fmt.dateTime(point.scoredAt)}: {fmt.score(point.score)} ({point.tier ?? 'no tier'})
            </title>
          </circle>
        ))}
      </svg>
      <DataTable
        caption="Score, tier and standing per run, newest first"
        wrap={false}
        rows={history.items}
        rowKey={(item) => item.runId}
        columns={[
          { key: 'run', label: 'Run', cell: (item) => fmt.dateTime(item.scoredAt) },
          { key: 'score', label: 'Score', numeric: true, cell: (item) => fmt.score(item.score) },
          { key: 'tier', label: 'Tier', cell: (item) => item.tier ?? '—' },
          { key: 'standing', label: 'Standing', cell: (item) => item.percentileBand ?? '—' },
        ]}
      />
    </Panel>
  );
}
