import { api, type Mover } from '../api.ts';
import { ErrorNote, Panel, RankChange, TierBadge, useAsync } from '../components.tsx';
import { type Column, DataTable, useRouteSort } from '../components-table.tsx';
import { fmt } from '../format.ts';
import { href, type Route } from '../route.ts';

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

/** A sortable movers table; the sort lives in the address under `sortKey`. */
export function MoversTable(props: {
  rows: MoverRow[];
  route: Route;
  sortKey: string;
  caption: string;
  labels?: [string, string];
}) {
  const sorting = useRouteSort(props.route, props.sortKey, { column: 'move', direction: 'descending' });
  const [before, after] = (props.labels ?? ['Before', 'Now']).map((label) => label.toLowerCase());
  const columns: Column<MoverRow>[] = [
    {
      key: 'name',
      label: 'Partner',
      compare: (a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id),
      cell: (row) => (
        <a class="partner-link" href={href('partner', row.id)}>
          {row.name ?? row.id}
        </a>
      ),
    },
    {
      key: 'move',
      label: 'Move',
      compare: (a, b) => move(a) - move(b),
      cell: (row) => <RankChange rank={row.rank} previousRank={row.previousRank} />,
    },
    {
      key: 'rank',
      label: `Rank (${after})`,
      numeric: true,
      compare: (a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity),
      cell: (row) => fmt.int(row.rank),
    },
    {
      key: 'previousRank',
      label: `Rank (${before})`,
      numeric: true,
      cell: (row) => fmt.int(row.previousRank),
    },
    {
      key: 'score',
      label: `Score (${after})`,
      numeric: true,
      compare: (a, b) => (a.score ?? 0) - (b.score ?? 0),
      cell: (row) => fmt.score(row.score),
    },
    {
      key: 'previousScore',
      label: `Score (${before})`,
      numeric: true,
      cell: (row) => fmt.score(row.previousScore),
    },
    {
      key: 'tier',
      label: 'Tier',
      cell: (row) =>
        row.tier !== row.previousTier ? (
          <span class="tier-change">
            <TierBadge tier={row.previousTier} /> <span aria-hidden="true">→</span>
            <span class="sr-only">to</span> <TierBadge tier={row.tier} />
          </span>
        ) : (
          <TierBadge tier={row.tier} />
        ),
    },
  ];
  return (
    <DataTable
      columns={columns}
      rows={props.rows}
      rowKey={(row) => row.id}
      rowAttributes={(row) => ({ 'data-partner': row.id })}
      caption={props.caption}
      sorting={sorting}
      empty="No partner moved."
    />
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
