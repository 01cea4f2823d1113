import { api, type Mover } from '../api.ts';
import {
  ErrorNote,
  Panel,
  RankChange,
  type SortDirection,
  SortHeader,
  TierBadge,
  useAsync,
} from '../components.tsx';
import { fmt } from '../format.ts';
import { href, navigate, type Route } from '../route.ts';

export interface MoverRow {
  id: string;
  name?: string | undefined;
  rank: number | null;
  previousRank: number | null;
  score: number | null;
  previousScore: number | null;
  tier: string | null;
  previousTier: string | null;
}

const move = (row: MoverRow) =>
  row.rank === null || row.previousRank === null ? Number.NEGATIVE_INFINITY : row.previousRank - row.rank;

const SORTS: Record<string, (a: MoverRow, b: MoverRow) => number> = {
  move: (a, b) => move(a) - move(b),
  rank: (a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity),
  score: (a, b) => (a.score ?? 0) - (b.score ?? 0),
  name: (a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id),
};

/** A sortable movers table; the sort lives in the address under `sortKey`. */
export function MoversTable(props: {
  rows: MoverRow[];
  route: Route;
  sortKey: string;
  caption: string;
  labels?: [string, string];
}) {
  const [column = 'move', direction = 'descending'] = (props.route.params.get(props.sortKey) ?? '').split(
    ':',
  );
  const sort = { column, direction: direction as SortDirection };
  const compare = SORTS[column] ?? SORTS.move;
  const rows = [...props.rows].sort(
    (a, b) => (compare?.(a, b) ?? 0) * (sort.direction === 'ascending' ? 1 : -1),
  );
  const onSort = (next: string, dir: SortDirection) => {
    const params = Object.fromEntries(props.route.params);
    navigate(href(props.route.view, props.route.id, { ...params, [props.sortKey]: `${next}:${dir}` }), true);
  };
  const [before, after] = props.labels ?? ['Before', 'Now'];
  return (
    <div class="table-wrap">
      <table class="data">
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            <SortHeader label="Partner" column="name" sort={sort} onSort={onSort} />
            <SortHeader label="Move" column="move" sort={sort} onSort={onSort} />
            <SortHeader
              label={`Rank (${after.toLowerCase()})`}
              column="rank"
              sort={sort}
              onSort={onSort}
              numeric
            />
            <th scope="col" class="num">
              Rank ({before.toLowerCase()})
            </th>
            <SortHeader
              label={`Score (${after.toLowerCase()})`}
              column="score"
              sort={sort}
              onSort={onSort}
              numeric
            />
            <th scope="col" class="num">
              Score ({before.toLowerCase()})
            </th>
            <th scope="col">Tier</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-partner={row.id}>
              <td>
                <a class="partner-link" href={href('partner', row.id)}>
                  {row.name ?? row.id}
                </a>
              </td>
              <td>
                <RankChange rank={row.rank} previousRank={row.previousRank} />
              </td>
              <td class="num">{fmt.int(row.rank)}</td>
              <td class="num">{fmt.int(row.previousRank)}</td>
              <td class="num">{fmt.score(row.score)}</td>
              <td class="num">{fmt.score(row.previousScore)}</td>
              <td>
                {row.tier !== row.previousTier ? (
                  <span class="tier-change">
                    <TierBadge tier={row.previousTier} /> <span aria-hidden="true">→</span>
                    <span class="sr-only">to</span> <TierBadge tier={row.tier} />
                  </span>
                ) : (
                  <TierBadge tier={row.tier} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p class="empty">No partner moved.</p> : null}
    </div>
  );
}

export function Movers({ route }: { route: Route }) {
  const runs = useAsync(
    async () => (await api.runs(20)).items.filter((run) => run.status === 'completed'),
    [],
  );
  const runId = route.params.get('run') ?? runs.value?.[0]?.runId ?? null;
  const data = useAsync(
    async () => ({ items: runId ? (await api.movers(runId, 500)).items : ([] as Mover[]) }),
    [runId],
  );
  const items = data.value?.items ?? [];
  const rises = items
    .filter((row) => move(row) > 0)
    .sort((a, b) => move(b) - move(a))
    .slice(0, 25);
  const falls = items
    .filter((row) => move(row) < 0 && Number.isFinite(move(row)))
    .sort((a, b) => move(a) - move(b))
    .slice(0, 25);
  const tierChanges = items.filter((row) => row.tier !== row.previousTier && row.previousTier !== null);
  const run = runs.value?.find((candidate) => candidate.runId === runId);
  return (
    <div class="stack">
      <p class="run-line">
        {run ? (
          <>
            Changes made by the run of <strong>{fmt.dateTime(run.startedAt)}</strong> (model v
            {run.modelVersion}) against the run before it.
          </>
        ) : runs.loading ? (
          'Loading…'
        ) : (
          'No completed run yet.'
        )}
      </p>
      {runs.error ? <ErrorNote error={runs.error} /> : null}
      {data.error ? <ErrorNote error={data.error} /> : null}
      <p class="summary" role="status" aria-live="polite">
        {data.value
          ? `${fmt.int(rises.length)} rises, ${fmt.int(falls.length)} falls and ${fmt.int(tierChanges.length)} tier changes shown`
          : ''}
      </p>
      <Panel title={`Tier changes (${fmt.int(tierChanges.length)})`} id="tier-changes">
        <MoversTable rows={tierChanges} route={route} sortKey="tsort" caption="Every tier change" />
      </Panel>
      <div class="stack">
        <Panel title="Largest rises" id="rises">
          <MoversTable rows={rises} route={route} sortKey="rsort" caption="Largest rises in rank" />
        </Panel>
        <Panel title="Largest falls" id="falls">
          <MoversTable rows={falls} route={route} sortKey="fsort" caption="Largest falls in rank" />
        </Panel>
      </div>
    </div>
  );
}
