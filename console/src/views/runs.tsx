import { useState } from 'preact/hooks';
import { api, type Run } from '../api.ts';
import { can } from '../auth.ts';
import { ErrorNote, Panel, useAsync } from '../components.tsx';
import { DataTable } from '../components-table.tsx';
import { fmt } from '../format.ts';
import { href } from '../route.ts';

export function Runs({ latestRun, onStarted }: { latestRun: Run | undefined; onStarted: () => void }) {
  const runs = useAsync(() => api.runs(50), [latestRun?.runId, latestRun?.status]);
  const [error, setError] = useState<unknown>(null);
  const items = runs.value?.items ?? [];
  return (
    <Panel
      title="Runs"
      id="runs"
      actions={
        can('partners/write') ? (
          <button
            type="button"
            class="primary"
            disabled={latestRun?.status === 'running'}
            onClick={() =>
              api.rescore().then(
                () => onStarted(),
                (failure: unknown) => setError(failure),
              )
            }
          >
            {latestRun?.status === 'running' ? 'Scoring…' : 'Rescore now'}
          </button>
        ) : null
      }
    >
      {runs.error ? <ErrorNote error={runs.error} /> : null}
      {error ? <ErrorNote error={error} /> : null}
      <p class="summary" role="status" aria-live="polite">
        {runs.loading && !runs.value ? 'Loading runs…' : `${fmt.int(items.length)} recent runs, newest first`}
      </p>
      <DataTable<Run>
        rows={items}
        rowKey={(run) => run.runId}
        columns={[
          {
            key: 'started',
            label: 'Started',
            ordered: 'descending',
            cell: (run) => fmt.dateTime(run.startedAt),
          },
          {
            key: 'status',
            label: 'Status',
            cell: (run) => <span class={`status status-${run.status}`}>{run.status}</span>,
          },
          {
            key: 'duration',
            label: 'Duration',
            numeric: true,
            cell: (run) => fmt.duration(run.startedAt, run.finishedAt),
          },
          { key: 'partners', label: 'Partners', numeric: true, cell: (run) => fmt.int(run.partners) },
          { key: 'model', label: 'Model', numeric: true, cell: (run) => `v${run.modelVersion}` },
          {
            key: 'tierChanges',
            label: 'Tier changes',
            numeric: true,
            cell: (run) =>
              run.status === 'completed' ? (
                <a href={href('movers', null, { run: run.runId })}>{fmt.int(run.tierChanges)}</a>
              ) : (
                fmt.int(run.tierChanges)
              ),
          },
          { key: 'run', label: 'Run', class: 'muted id', cell: (run) => run.runId },
        ]}
      />
    </Panel>
  );
}
