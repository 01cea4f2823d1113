import { useEffect } from 'preact/hooks';
import { type ActiveModel, api, type HistoryPoint, type Partner } from '../api.ts';
import { ErrorNote, Panel, Stat, TierBadge, useAsync } from '../components.tsx';
import { fmt } from '../format.ts';
import { href } from '../route.ts';
import { ScorecardWorklistNote } from './this-week.tsx';

export function Scorecard({ id, model }: { id: string; model: ActiveModel | undefined }) {
  const partner = useAsync(() => api.partner(id), [id]);
  const history = useAsync(() => api.history(id, 100), [id]);
  useEffect(() => {
    // For the ui bench: when the scorecard is on screen, since navigation started.
    if (partner.value && !performance.getEntriesByName('scorecard').length) performance.mark('scorecard');
  }, [partner.value]);
  if (partner.error) {
    return (
      <div class="stack">
        <a href={href('leaderboard')}>← Leaderboard</a>
        <ErrorNote error={partner.error} />
      </div>
    );
  }
  const p = partner.value;
  if (!p) return <p class="summary">Loading {id}…</p>;
  const score = p.score;
  return (
    <div class="stack">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href('leaderboard')}>Leaderboard</a> <span aria-hidden="true">›</span> <span>{p.name}</span>
      </nav>
      <header class="partner-head">
        <div>
          <h2 class="partner-name">{p.name}</h2>
          <p class="muted">
            {p.id} · {p.type ?? 'no type'} · {p.region ?? 'no region'}
          </p>
        </div>
        <div class="partner-tier">
          <TierBadge tier={score.tier} />
          {score.provisional ? (
            <span
              class="mark mark-provisional"
              title="Changed since the last run: an estimate until the next run"
            >
              provisional
            </span>
          ) : null}
        </div>
      </header>
      <ScorecardWorklistNote partnerId={p.id} />
      <dl class="stats">
        <Stat label="Score" value={fmt.score(score.value)} hint={`model v${score.modelVersion}`} />
        <Stat label="Rank" value={score.rank === null ? '—' : `#${fmt.int(score.rank)}`} />
        <Stat
          label="Percentile"
          value={score.percentile === null ? '—' : fmt.num(Math.round(score.percentile * 10) / 10)}
        />
        <Stat
          label="Coverage"
          value={fmt.pct(score.coverage)}
          hint={
            score.coverage !== null && score.coverage < 1 ? 'some metrics missing' : 'all metrics present'
          }
        />
      </dl>
      <NextTier partner={p} model={model} />
      <Breakdown partner={p} />
      <div class="grid-2">
        <History points={history.value?.items ?? []} error={history.error} />
        <RawMetrics partner={p} />
      </div>
    </div>
  );
}

function NextTier({ partner, model }: { partner: Partner; model: ActiveModel | undefined }) {
  const score = partner.score;
  if (score.value === null) return null;
  if (!score.nextTier) {
    return (
      <Panel title="Tier progress" id="progress">
        <p>{score.tier ? `${score.tier} is the top tier.` : 'No tier above.'}</p>
      </Panel>
    );
  }
  const target = score.value + score.nextTier.pointsNeeded;
  const floor = model?.tiers.find((tier) => tier.name === score.tier)?.minScore ?? 0;
  const span = Math.max(1e-9, target - floor);
  const fraction = Math.max(0, Math.min(1, (score.value - floor) / span));
  return (
    <Panel title="Tier progress" id="progress">
      <p class="progress-text">
        <strong>{fmt.score(score.nextTier.pointsNeeded)} points</strong> to {score.nextTier.name} (at{' '}
        {fmt.score(target)})
      </p>
      <div
        class="progress"
        role="progressbar"
        aria-label={`Progress from ${score.tier ?? 'no tier'} to ${score.nextTier.name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
      >
        <svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
          <rect class="bar-track" x="0" y="0" width="100" height="10" />
          <rect class="bar-fill" x="0" y="0" width={fraction * 100} height="10" />
        </svg>
        <div class="progress-scale">
          <span>
            {score.tier ?? 'no tier'} {fmt.score(floor)}
          </span>
          <span>
            {score.nextTier.name} {fmt.score(target)}
          </span>
        </div>
      </div>
    </Panel>
  );
}

function Breakdown({ partner }: { partner: Partner }) {
  const score = partner.score;
  const rows = score.breakdown;
  const scale = Math.max(1e-9, ...rows.map((row) => Math.max(row.weight, row.contribution)));
  const total = rows.reduce((sum, row) => sum + row.contribution, 0);
  return (
    <Panel title="Why this score" id="breakdown">
      <p class="muted">
        Per metric: the grey track is its weight, the fill its contribution (weight × normalised value,
        rescaled when metrics are excluded). The contributions add up to the score.
      </p>
      <div class="table-wrap">
        <table class="data breakdown">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Group</th>
              <th scope="col" class="num">
                Raw
              </th>
              <th scope="col" class="num">
                Normalised
              </th>
              <th scope="col" class="num">
                Weight
              </th>
              <th scope="col" class="num">
                Contribution
              </th>
              <th scope="col" class="bar-col">
                <span class="sr-only">Contribution against weight</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.metric} data-metric={row.metric} data-contribution={row.contribution}>
                <th scope="row">{row.metric}</th>
                <td>{row.group}</td>
                <td class="num">
                  {row.raw === null ? <span class="muted">unknown</span> : fmt.num(row.raw)}
                </td>
                <td class="num">
                  {row.normalized === null ? <span class="muted">excluded</span> : fmt.num(row.normalized)}
                </td>
                <td class="num">{fmt.num(row.weight)}</td>
                <td class="num">{fmt.score(row.contribution)}</td>
                <td class="bar-col">
                  <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                    <rect class="bar-track" x="0" y="0" width={(row.weight / scale) * 100} height="10" />
                    <rect
                      class="bar-fill"
                      x="0"
                      y="0"
                      width={(Math.max(0, row.contribution) / scale) * 100}
                      height="10"
                    />
                  </svg>
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            {Object.entries(score.groups ?? {}).map(([group, value]) => (
              <tr key={group} class="subtotal">
                <th scope="row" colSpan={5}>
                  {group[0]?.toUpperCase()}
                  {group.slice(1)} subtotal
                </th>
                <td class="num">{fmt.score(value)}</td>
                <td />
              </tr>
            ))}
            <tr class="total">
              <th scope="row" colSpan={5}>
                Score
              </th>
              <td class="num" data-total={total}>
                {fmt.score(total)}
              </td>
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
    </Panel>
  );
}

function History({ points, error }: { points: HistoryPoint[]; error: unknown }) {
  const ordered = [...points].reverse();
  const width = 360;
  const height = 140;
  const left = 40;
  const right = 40;
  const pad = 12;
  const scores = ordered.map((point) => point.score);
  const ranks = ordered.map((point) => point.rank);
  const min = Math.min(...scores, 0);
  const max = Math.max(...scores, 1);
  const worst = Math.max(...ranks, 1);
  const x = (index: number) =>
    ordered.length <= 1
      ? (left + width - right) / 2
      : left + (index * (width - left - right)) / (ordered.length - 1);
  const y = (value: number) => height - pad - ((value - min) / (max - min || 1)) * (height - 2 * pad);
  // Rank 1 at the top, the worst rank seen at the bottom.
  const yRank = (rank: number) => pad + ((rank - 1) / Math.max(1, worst - 1)) * (height - 2 * pad);
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  const summary =
    first && last
      ? ordered.length === 1
        ? `One run so far: score ${fmt.score(last.score)}, rank ${fmt.int(last.rank)}.`
        : `Over ${fmt.int(ordered.length)} runs the score went from ${fmt.score(first.score)} to ${fmt.score(last.score)} and the rank from ${fmt.int(first.rank)} to ${fmt.int(last.rank)}.`
      : 'No run has scored this partner yet.';
  return (
    <Panel title="Score and rank over time" id="history">
      {error ? <ErrorNote error={error} /> : null}
      <p class="legend">
        <span class="key key-current" aria-hidden="true" /> score (left axis)
        <span class="key key-rank" aria-hidden="true" /> rank (right axis, 1 at the top)
      </p>
      <figure class="chart">
        <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} class="history-chart">
          <line class="axis" x1={left} x2={width - right} y1={height - pad} y2={height - pad} />
          <text class="tick" x={left - 6} y={pad + 3} text-anchor="end">
            {fmt.score(max)}
          </text>
          <text class="tick" x={left - 6} y={height - pad} text-anchor="end">
            {fmt.score(min)}
          </text>
          <text class="tick" x={width - right + 6} y={pad + 3}>
            #1
          </text>
          <text class="tick" x={width - right + 6} y={height - pad}>
            #{fmt.int(worst)}
          </text>
          {ordered.length > 1 ? (
            <>
              <polyline
                class="rank-line"
                points={ordered.map((point, index) => `${x(index)},${yRank(point.rank)}`).join(' ')}
              />
              <polyline
                class="line"
                points={ordered.map((point, index) => `${x(index)},${y(point.score)}`).join(' ')}
              />
            </>
          ) : null}
          {ordered.map((point, index) => (
            <circle key={point.runId} class="point" cx={x(index)} cy={y(point.score)} r="3.5">
              <title>
                {fmt.dateTime(point.scoredAt)}: score {fmt.score(point.score)}, rank {fmt.int(point.rank)},{' '}
                {point.tier ?? 'no tier'}
              </title>
            </circle>
          ))}
        </svg>
        <figcaption>{summary}</figcaption>
      </figure>
      {ordered.length > 0 ? (
        <details>
          <summary>Runs as a table</summary>
          <table class="data compact">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col" class="num">
                  Score
                </th>
                <th scope="col" class="num">
                  Rank
                </th>
                <th scope="col">Tier</th>
              </tr>
            </thead>
            <tbody>
              {points.map((point) => (
                <tr key={point.runId}>
                  <td>{fmt.dateTime(point.scoredAt)}</td>
                  <td class="num">{fmt.score(point.score)}</td>
                  <td class="num">{fmt.int(point.rank)}</td>
                  <td>{point.tier ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </Panel>
  );
}

function RawMetrics({ partner }: { partner: Partner }) {
  return (
    <Panel title="Raw metrics" id="metrics">
      <p class="muted">As of {fmt.dateTime(partner.asOf)} (the last applied update).</p>
      <table class="data compact">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col" class="num">
              Value
            </th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(partner.metrics).map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td class="num">{value === null ? <span class="muted">unknown</span> : fmt.num(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
