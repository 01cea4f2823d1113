import { useState } from 'preact/hooks';
import { api, type Run } from '../api.ts';
import { can } from '../auth.ts';
import { ErrorNote, Panel, useAsync } from '../components.tsx';
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
      <div class="table-wrap">
        <table class="data">
          <thead>
            <tr>
              <th scope="col" aria-sort="descending">
                Started
              </th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Duration
              </th>
              <th scope="col" class="num">
                Partners
              </th>
              <th scope="col" class="num">
                Model
              </th>
              <th scope="col" class="num">
                Tier changes
              </th>
              <th scope="col">Run</th>
            </tr>
          </thead>
          <tbody>
            {items.map((run) => (
              <tr key={run.runId}>
                <td>{fmt.dateTime(run.startedAt)}</td>
                <td>
                  <span class={`status status-${run.status}`}>{run.status}</span>
                </td>
                <td class="num">{fmt.duration(run.startedAt, run.finishedAt)}</td>
                <td class="num">{fmt.int(run.partners)}</td>
                <td class="num">v{run.modelVersion}</td>
                <td class="num">
                  {run.status === 'completed' ? (
                    <a href={href('movers', null, { run: run.runId })}>{fmt.int(run.tierChanges)}</a>
                  ) : (
                    fmt.int(run.tierChanges)
                  )}
                </td>
                <td class="muted id">{run.runId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}
