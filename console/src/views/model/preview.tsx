/** What activating the draft would change: the partners whose rank or tier would move. */
import type { Preview } from '../../api.ts';
import { Panel } from '../../components.tsx';
import { fmt } from '../../format.ts';
import type { Route } from '../../route.ts';
import { MoversTable } from '../movers.tsx';

export function PreviewPanel({ preview, route }: { preview: Preview; route: Route }) {
  return (
    <Panel title="Preview: what would change" id="preview">
      <p class="summary" role="status" aria-live="polite">
        {fmt.int(preview.moved)} of {fmt.int(preview.partners)} partners would move,{' '}
        {fmt.int(preview.tierChanges)} of them to another tier
        {preview.moved > preview.movers.length
          ? ` (the ${fmt.int(preview.movers.length)} largest moves below)`
          : ''}
        . Nothing has changed yet.
      </p>
      <MoversTable
        rows={preview.movers.map((row) => ({
          id: row.id,
          rank: row.previewRank,
          previousRank: row.rank,
          score: row.previewScore,
          previousScore: row.score,
          tier: row.previewTier,
          previousTier: row.tier,
        }))}
        route={route}
        sortKey="psort"
        caption="Partners whose rank or tier would change"
        labels={['Now', 'Preview']}
      />
    </Panel>
  );
}
