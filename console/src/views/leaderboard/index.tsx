/**
 * "Leaderboard": the latest run's ranking a page at a time, filtered by tier, region and type (all in
 * the address), the tier distribution beside the filters, a search by id or name, a CSV export.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  type ActiveModel,
  api,
  type RankingFilter,
  type RankingItem,
  type RankingPage,
  type Run,
} from '../../api.ts';
import {
  ErrorNote,
  Panel,
  PartnerName,
  RankChange,
  ScoreBar,
  TierBadge,
  useAsync,
} from '../../components.tsx';
import { DataTable, Pager } from '../../components-table.tsx';
import { fmt } from '../../format.ts';
import { navigate, type Route } from '../../route.ts';
import { QualityNotice } from '../data-quality.tsx';
import { TierDistribution } from '../tier-distribution.tsx';
import { ExportButton } from './export.tsx';
import { Filters } from './filters.tsx';
import { leaderboardHref, type Params, readParams } from './params.ts';
import { SearchResults } from './search.tsx';

const PAGE_SIZE = 50;

interface Props {
  route: Route;
  model: ActiveModel | undefined;
  latestRun: Run | undefined;
}

// Cursors of the pages already seen, so "Previous" can go back without a backwards cursor.
const cursorsSeen = new Map<string, string | undefined>();

export function Leaderboard({ route, model, latestRun }: Props) {
  const params = readParams(route);
  const filter: RankingFilter = { tier: params.tier, region: params.region, type: params.type };
  const filterKey = JSON.stringify(filter);
  const ranking = useAsync(
    () => (params.q ? Promise.resolve(undefined) : api.rankings(filter, PAGE_SIZE, params.cursor)),
    [filterKey, params.cursor, params.q],
  );
  const running = latestRun?.status === 'running';
  const wasRunning = useRef(running);
  useEffect(() => {
    // A run finished while the page was open: show its ranking.
    if (wasRunning.current && !running) ranking.reload();
    wasRunning.current = running;
  }, [running]);

  const page = ranking.value;
  // The ranking's own run: its partner and tier counts give the totals of the live region.
  const run = useAsync(
    () => (page?.runId ? api.run(page.runId) : Promise.resolve(undefined)),
    [page?.runId],
  ).value;
  const topScore = useTopScore(page);

  const set = (change: Partial<Params>) =>
    navigate(leaderboardHref({ ...params, cursor: undefined, page: 1, ...change }));

  return (
    <div class="stack">
      <QualityNotice latestRun={latestRun} />
      <RunLine page={page} latestRun={latestRun} />
      <div class="grid-2">
        <Panel title="Filters" id="filters">
          <Filters params={params} model={model} items={page?.items ?? []} onChange={set} />
        </Panel>
        <TierDistribution
          currentRunId={page?.runId ?? null}
          tierOrder={model?.tiers.map((tier) => tier.name) ?? []}
          selected={params.tier}
          onSelect={(tier) => set({ tier: tier === params.tier ? undefined : tier, q: undefined })}
        />
      </div>
      {params.q ? (
        <SearchResults query={params.q} />
      ) : (
        <Panel
          title="Leaderboard"
          id="leaderboard"
          actions={<ExportButton filter={filter} disabled={!page?.runId} />}
        >
          {ranking.error ? <ErrorNote error={ranking.error} /> : null}
          <Summary page={page} params={params} run={run} loading={ranking.loading} />
          {page && page.runId === null ? (
            <p class="empty">
              No ranking yet. Import partners (Imports) or start a run (Runs): the first run ranks them.
            </p>
          ) : (
            <RankingTable items={page?.items ?? []} topScore={topScore} />
          )}
          <Pager
            label="Leaderboard pages"
            page={params.page}
            hasNext={!!page?.nextCursor}
            onPrevious={() => {
              const previous = params.page - 1;
              const cursor = cursorsSeen.get(`${filterKey}|${previous}`);
              navigate(
                leaderboardHref({ ...params, page: previous, cursor: previous > 1 ? cursor : undefined }),
              );
            }}
            onNext={() => {
              if (!page?.nextCursor) return;
              cursorsSeen.set(`${filterKey}|${params.page}`, params.cursor);
              navigate(leaderboardHref({ ...params, page: params.page + 1, cursor: page.nextCursor }));
            }}
          />
        </Panel>
      )}
    </div>
  );
}

function RunLine({ page, latestRun }: { page: RankingPage | undefined; latestRun: Run | undefined }) {
  const running = latestRun?.status === 'running';
  return (
    <div class="run-line">
      {page?.runId ? (
        <p>
          Ranking of the run of <strong>{fmt.dateTime(page.scoredAt)}</strong> · model version{' '}
          <strong>{page.modelVersion}</strong>
          {page.stale ? (
            <span class="mark mark-stale" title="Partners changed after this run">
              {' '}
              data changed since: a partner's scorecard shows its provisional score until the next run
            </span>
          ) : null}
        </p>
      ) : (
        <p>No completed run yet.</p>
      )}
      {running ? (
        <p class="being-scored" role="status">
          <span class="spinner" aria-hidden="true" /> Being scored: a run started{' '}
          {fmt.dateTime(latestRun?.startedAt)}; this ranking stays until it completes.
        </p>
      ) : null}
    </div>
  );
}

function Summary(props: {
  page: RankingPage | undefined;
  params: Params;
  run: Run | undefined;
  loading: boolean;
}) {
  const { page, params } = props;
  let text = props.loading && !page ? 'Loading the ranking…' : '';
  if (page?.runId && page.items.length > 0) {
    const first = (params.page - 1) * PAGE_SIZE + 1;
    const last = first + page.items.length - 1;
    const total = totalFor(params, props.run, page.runId);
    const filtered = [params.tier, params.region, params.type].filter(Boolean).join(', ');
    text = `${fmt.int(first)}–${fmt.int(last)} of ${total === null ? (page.nextCursor ? 'more' : fmt.int(last)) : fmt.int(total)} partners${filtered ? ` (${filtered})` : ''}`;
  } else if (page?.runId) {
    text = '0 partners match these filters';
  }
  return (
    <p class="summary" aria-live="polite" role="status">
      {text}
    </p>
  );
}

/** The number of partners the filters select, where the run's record says it. */
function totalFor(params: Params, run: Run | undefined, runId: string): number | null {
  if (!run || run.runId !== runId || params.region || params.type) return null;
  if (!params.tier) return run.partners;
  return run.tiers?.[params.tier] ?? null;
}

function RankingTable(props: { items: RankingItem[]; topScore: number }) {
  return (
    <DataTable
      caption="Partners by rank, best first"
      rows={props.items}
      rowKey={(item) => item.id}
      rowAttributes={(item) => ({ 'data-partner': item.id })}
      columns={[
        {
          key: 'rank',
          label: 'Rank',
          numeric: true,
          class: 'rank',
          ordered: 'ascending',
          cell: (item) => fmt.int(item.rank),
        },
        {
          key: 'change',
          label: 'Change',
          cell: (item) => <RankChange rank={item.rank} previousRank={item.previousRank} />,
        },
        { key: 'partner', label: 'Partner', cell: (item) => <PartnerName id={item.id} name={item.name} /> },
        { key: 'tier', label: 'Tier', cell: (item) => <TierBadge tier={item.tier} /> },
        {
          key: 'score',
          label: 'Score',
          class: 'score-col',
          cell: (item) => <ScoreBar value={item.score} max={props.topScore} />,
        },
        { key: 'coverage', label: 'Coverage', numeric: true, cell: (item) => fmt.pct(item.coverage) },
        { key: 'region', label: 'Region', cell: (item) => item.region ?? '—' },
        { key: 'type', label: 'Type', cell: (item) => item.type ?? '—' },
      ]}
    />
  );
}

/** The top score of the run, so that bars compare across pages and filters. */
function useTopScore(page: RankingPage | undefined): number {
  const [top, setTop] = useState<{ runId: string; score: number } | null>(null);
  const runId = page?.runId ?? null;
  useEffect(() => {
    if (!runId || top?.runId === runId) return;
    api.rankings({}, 1).then(
      (first) => setTop({ runId, score: first.items[0]?.score ?? 0 }),
      () => undefined,
    );
  }, [runId]);
  const pageTop = Math.max(0, ...(page?.items.map((item) => item.score) ?? [0]));
  return top?.runId === runId ? Math.max(top.score, pageTop) : pageTop;
}
