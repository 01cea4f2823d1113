import { useEffect, useRef, useState } from 'preact/hooks';
import {
  type ActiveModel,
  api,
  isMissingRoute,
  type Partner,
  type RankingFilter,
  type RankingItem,
  type RankingPage,
  type Run,
} from '../api.ts';
import { ErrorNote, Panel, RankChange, ScoreBar, TierBadge, useAsync } from '../components.tsx';
import { fmt } from '../format.ts';
import { href, navigate, type Route } from '../route.ts';
import { QualityNotice } from './data-quality.tsx';
import { TierDistribution } from './tier-distribution.tsx';

const PAGE_SIZE = 50;
/** Partner reads for search results' rank and score run a few at a time, after the results show. */
const DETAIL_CONCURRENCY = 6;

interface Props {
  route: Route;
  model: ActiveModel | undefined;
  latestRun: Run | undefined;
}

/** What the leaderboard's address holds: filters, search and the page's cursor. */
function readParams(route: Route) {
  const get = (name: string) => route.params.get(name) ?? undefined;
  return {
    tier: get('tier'),
    region: get('region'),
    type: get('type'),
    q: get('q'),
    cursor: get('cursor'),
    page: Number(get('page') ?? '1') || 1,
  };
}

type Params = ReturnType<typeof readParams>;

function leaderboardHref(params: Partial<Params>): string {
  return href('leaderboard', null, {
    tier: params.tier,
    region: params.region,
    type: params.type,
    q: params.q,
    cursor: params.cursor,
    page: params.page && params.page > 1 ? String(params.page) : undefined,
  });
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
  useEffect(() => {
    // For the ui bench: when the first page of rows is on screen, since navigation started.
    if (page?.items.length && !performance.getEntriesByName('leaderboard-rows').length) {
      performance.mark('leaderboard-rows');
    }
  }, [page]);
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
            <RankingTable items={page?.items ?? []} topScore={topScore} stale={!!page?.stale} />
          )}
          <nav class="pager" aria-label="Leaderboard pages">
            <button
              type="button"
              disabled={params.page <= 1}
              onClick={() => {
                const previous = params.page - 1;
                const cursor = cursorsSeen.get(`${filterKey}|${previous}`);
                navigate(
                  leaderboardHref({ ...params, page: previous, cursor: previous > 1 ? cursor : undefined }),
                );
              }}
            >
              ← Previous
            </button>
            <span class="pager-page">Page {fmt.int(params.page)}</span>
            <button
              type="button"
              disabled={!page?.nextCursor}
              onClick={() => {
                if (!page?.nextCursor) return;
                cursorsSeen.set(`${filterKey}|${params.page}`, params.cursor);
                navigate(leaderboardHref({ ...params, page: params.page + 1, cursor: page.nextCursor }));
              }}
            >
              Next →
            </button>
          </nav>
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

function RankingTable(props: { items: RankingItem[]; topScore: number; stale: boolean }) {
  return (
    <div class="table-wrap">
      <table class="data">
        <caption class="sr-only">Partners by rank, best first</caption>
        <thead>
          <tr>
            <th scope="col" class="num" aria-sort="ascending">
              Rank
            </th>
            <th scope="col">Change</th>
            <th scope="col">Partner</th>
            <th scope="col">Tier</th>
            <th scope="col" class="score-col">
              Score
            </th>
            <th scope="col" class="num">
              Coverage
            </th>
            <th scope="col">Region</th>
            <th scope="col">Type</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((item) => {
            return (
              <tr key={item.id} data-partner={item.id}>
                <td class="num rank">{fmt.int(item.rank)}</td>
                <td>
                  <RankChange rank={item.rank} previousRank={item.previousRank} />
                </td>
                <td>
                  <a class="partner-link" href={href('partner', item.id)}>
                    {item.name}
                  </a>
                  {item.name !== item.id ? <span class="muted id"> {item.id}</span> : null}
                </td>
                <td>
                  <TierBadge tier={item.tier} />
                </td>
                <td>
                  <ScoreBar value={item.score} max={props.topScore} />
                </td>
                <td class="num">{fmt.pct(item.coverage)}</td>
                <td>{item.region ?? '—'}</td>
                <td>{item.type ?? '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
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

/** Partner reads for the search results shown (rank, score), a few at a time. */
function usePartnerDetails(ids: string[]): Map<string, Partner | null> {
  const [details, setDetails] = useState(new Map<string, Partner | null>());
  const key = ids.join('\n');
  useEffect(() => {
    let live = true;
    const queue = [...ids];
    const found = new Map<string, Partner | null>();
    setDetails(new Map());
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined && live; id = queue.shift()) {
        found.set(id, await api.partner(id).catch(() => null));
        if (live) setDetails(new Map(found));
      }
    };
    for (let i = 0; i < DETAIL_CONCURRENCY; i++) void worker();
    return () => {
      live = false;
    };
  }, [key]);
  return details;
}

function Filters(props: {
  params: Params;
  model: ActiveModel | undefined;
  items: RankingItem[];
  onChange: (change: Partial<Params>) => void;
}) {
  const { params } = props;
  const seen = (field: 'region' | 'type') =>
    [...new Set(props.items.map((item) => item[field]).filter(Boolean))] as string[];
  const [q, setQ] = useState(params.q ?? '');
  useEffect(() => setQ(params.q ?? ''), [params.q]);
  return (
    <form
      class="filters"
      aria-label="Filter and search partners"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        props.onChange({
          region: String(form.get('region') ?? '').trim() || undefined,
          type: String(form.get('type') ?? '').trim() || undefined,
          q: q.trim() || undefined,
        });
      }}
    >
      <label>
        Search by id or name
        <input
          type="search"
          name="q"
          value={q}
          onInput={(event) => setQ(event.currentTarget.value)}
          placeholder="e.g. Partner"
        />
      </label>
      <label>
        Tier
        <select
          name="tier"
          value={params.tier ?? ''}
          onChange={(event) => props.onChange({ tier: event.currentTarget.value || undefined, q: undefined })}
        >
          <option value="">All tiers</option>
          {props.model?.tiers.map((tier) => (
            <option key={tier.name} value={tier.name}>
              {tier.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Region
        {/* Uncontrolled (`defaultValue`): a `value` prop would put the address's value back over what
            the user typed whenever the page renders again (a run's status, rows arriving). */}
        <input
          name="region"
          list="regions"
          defaultValue={params.region ?? ''}
          key={`r${params.region}`}
          placeholder="any"
        />
        <datalist id="regions">
          {seen('region').map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
      </label>
      <label>
        Type
        <input
          name="type"
          list="types"
          defaultValue={params.type ?? ''}
          key={`t${params.type}`}
          placeholder="any"
        />
        <datalist id="types">
          {seen('type').map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
      </label>
      <div class="filter-buttons">
        <button type="submit" class="primary">
          Apply
        </button>
        <button
          type="button"
          onClick={() => {
            setQ('');
            props.onChange({ tier: undefined, region: undefined, type: undefined, q: undefined });
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

function SearchResults({ query }: { query: string }) {
  const results = useAsync(async () => {
    try {
      return (await api.searchPartners(query, 20)).items;
    } catch (error) {
      // An API without the search route yet: look the text up as an exact id.
      if (!isMissingRoute(error)) throw error;
      const partner = await api.partner(query).catch(() => null);
      return partner
        ? [{ id: partner.id, name: partner.name, type: partner.type, region: partner.region }]
        : [];
    }
  }, [query]);
  const items = results.value ?? [];
  const details = usePartnerDetails(items.map((item) => item.id));
  return (
    <Panel
      title={`Partners matching “${query}”`}
      id="search"
      actions={
        <a class="button" href={leaderboardHref({})}>
          Back to the leaderboard
        </a>
      }
    >
      {results.error ? <ErrorNote error={results.error} /> : null}
      <p class="summary" aria-live="polite" role="status">
        {results.loading
          ? 'Searching…'
          : `${fmt.int(items.length)} partner${items.length === 1 ? '' : 's'} whose id or name starts with “${query}”`}
      </p>
      <div class="table-wrap">
        <table class="data">
          <thead>
            <tr>
              <th scope="col" class="num" aria-sort="ascending">
                Rank
              </th>
              <th scope="col">Partner</th>
              <th scope="col">Tier</th>
              <th scope="col" class="num">
                Score
              </th>
              <th scope="col">Region</th>
              <th scope="col">Type</th>
            </tr>
          </thead>
          <tbody>
            {[...items]
              .sort(
                (a, b) =>
                  (details.get(a.id)?.score.rank ?? Infinity) - (details.get(b.id)?.score.rank ?? Infinity),
              )
              .map((item) => {
                const score = details.get(item.id)?.score;
                return (
                  <tr key={item.id} data-partner={item.id}>
                    <td class="num">{fmt.int(score?.rank)}</td>
                    <td>
                      <a class="partner-link" href={href('partner', item.id)}>
                        {item.name}
                      </a>
                      {item.name !== item.id ? <span class="muted id"> {item.id}</span> : null}
                    </td>
                    <td>
                      <TierBadge tier={score?.tier} />
                    </td>
                    <td class="num">{fmt.score(score?.value)}</td>
                    <td>{item.region ?? '—'}</td>
                    <td>{item.type ?? '—'}</td>
                  </tr>
                );
              })}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}

/** Downloads the whole filtered ranking as the API's CSV. */
function ExportButton({ filter, disabled }: { filter: RankingFilter; disabled: boolean }) {
  const [state, setState] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  return (
    <>
      <button
        type="button"
        disabled={disabled || state.busy}
        onClick={async () => {
          setState({ busy: true });
          try {
            const csv = await api.rankingsCsv(filter);
            const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
            const link = document.createElement('a');
            const suffix = [filter.tier, filter.region, filter.type].filter(Boolean).join('-');
            link.href = url;
            link.download = `ranking${suffix ? `-${suffix}` : ''}.csv`;
            document.body.append(link);
            link.click();
            link.remove();
            setTimeout(() => URL.revokeObjectURL(url), 10_000);
            setState({ busy: false });
          } catch (error) {
            setState({ busy: false, error });
          }
        }}
      >
        {state.busy ? 'Exporting…' : 'Export CSV'}
      </button>
      {state.error ? <ErrorNote error={state.error} /> : null}
    </>
  );
}
