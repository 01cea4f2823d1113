/** Partners whose id or name starts with the search text, with their rank, tier and score. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Partner, type PartnerSummary } from '../../api.ts';
import { ErrorNote, Panel, PartnerName, TierBadge, useAsync } from '../../components.tsx';
import { DataTable } from '../../components-table.tsx';
import { fmt } from '../../format.ts';
import { leaderboardHref } from './params.ts';

/** Partner reads for search results' rank and score run a few at a time, after the results show. */
const DETAIL_CONCURRENCY = 6;

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

export function SearchResults({ query }: { query: string }) {
  const results = useAsync(async () => (await api.searchPartners(query, 20)).items, [query]);
  const items = results.value ?? [];
  const details = usePartnerDetails(items.map((item) => item.id));
  const score = (item: PartnerSummary) => details.get(item.id)?.score;
  const byRank = [...items].sort((a, b) => (score(a)?.rank ?? Infinity) - (score(b)?.rank ?? Infinity));
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
      <DataTable
        rows={byRank}
        rowKey={(item) => item.id}
        rowAttributes={(item) => ({ 'data-partner': item.id })}
        columns={[
          {
            key: 'rank',
            label: 'Rank',
            numeric: true,
            ordered: 'ascending',
            cell: (item) => fmt.int(score(item)?.rank),
          },
          { key: 'partner', label: 'Partner', cell: (item) => <PartnerName id={item.id} name={item.name} /> },
          { key: 'tier', label: 'Tier', cell: (item) => <TierBadge tier={score(item)?.tier} /> },
          { key: 'score', label: 'Score', numeric: true, cell: (item) => fmt.score(score(item)?.value) },
          { key: 'region', label: 'Region', cell: (item) => item.region ?? '—' },
          { key: 'type', label: 'Type', cell: (item) => item.type ?? '—' },
        ]}
      />
    </Panel>
  );
}
