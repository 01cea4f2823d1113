/** A partner's scorecard: score, rank, tier progress, the breakdown behind the score, history, raw metrics. */
import { type ActiveModel, api, type BreakdownItem, type Partner } from '../../api.ts';
import { ErrorNote, Panel, Stat, TierBadge, useAsync } from '../../components.tsx';
import { DataTable } from '../../components-table.tsx';
import { fmt } from '../../format.ts';
import { href } from '../../route.ts';
import { ScorecardWorklistNote } from '../this-week.tsx';
import { History } from './history.tsx';

export function Scorecard({ id, model }: { id: string; model: ActiveModel | undefined }) {
  const partner = useAsync(() => api.partner(id), [id]);
  const history = useAsync(() => api.history(id, 100), [id]);
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
      <DataTable<BreakdownItem>
        class="breakdown"
        rows={rows}
        rowKey={(row) => row.metric}
        rowAttributes={(row) => ({ 'data-metric': row.metric, 'data-contribution': row.contribution })}
        columns={[
          { key: 'metric', label: 'Metric', rowHeader: true, cell: (row) => row.metric },
          { key: 'group', label: 'Group', cell: (row) => row.group },
          {
            key: 'raw',
            label: 'Raw',
            numeric: true,
            cell: (row) => (row.raw === null ? <span class="muted">unknown</span> : fmt.num(row.raw)),
          },
          {
            key: 'normalized',
            label: 'Normalised',
            numeric: true,
            cell: (row) =>
              row.normalized === null ? <span class="muted">excluded</span> : fmt.num(row.normalized),
          },
          { key: 'weight', label: 'Weight', numeric: true, cell: (row) => fmt.num(row.weight) },
          {
            key: 'contribution',
            label: 'Contribution',
            numeric: true,
            cell: (row) => fmt.score(row.contribution),
          },
          {
            key: 'bar',
            label: 'Contribution against weight',
            hiddenLabel: true,
            class: 'bar-col',
            cell: (row) => (
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
            ),
          },
        ]}
        foot={
          <>
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
          </>
        }
      />
    </Panel>
  );
}

function RawMetrics({ partner }: { partner: Partner }) {
  return (
    <Panel title="Raw metrics" id="metrics">
      <p class="muted">As of {fmt.dateTime(partner.asOf)} (the last applied update).</p>
      <DataTable<[string, number | null]>
        class="compact"
        wrap={false}
        rows={Object.entries(partner.metrics)}
        rowKey={([name]) => name}
        columns={[
          { key: 'metric', label: 'Metric', rowHeader: true, cell: ([name]) => name },
          {
            key: 'value',
            label: 'Value',
            numeric: true,
            cell: ([, value]) => (value === null ? <span class="muted">unknown</span> : fmt.num(value)),
          },
        ]}
      />
    </Panel>
  );
}
