/** The stored model versions (any can be activated again) and the run an activation started. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Run } from '../../api.ts';
import { ErrorNote, Panel, useAsync } from '../../components.tsx';
import { DataTable } from '../../components-table.tsx';
import { fmt } from '../../format.ts';
import { href } from '../../route.ts';

type Version = Awaited<ReturnType<typeof api.modelVersions>>['items'][number];

export function VersionsPanel(props: {
  activeVersion: number;
  /** Whether the user may activate (partners/write). */
  writable: boolean;
  /** Whether another action is under way (the buttons wait). */
  busy: boolean;
  onActivate: (version: number) => void;
}) {
  const versions = useAsync(() => api.modelVersions(), [props.activeVersion]);
  return (
    <Panel title="Versions" id="versions">
      {versions.error ? <ErrorNote error={versions.error} /> : null}
      <DataTable<Version>
        class="compact"
        wrap={false}
        rows={versions.value?.items ?? []}
        rowKey={(item) => item.version}
        columns={[
          { key: 'version', label: 'Version', ordered: 'descending', cell: (item) => `v${item.version}` },
          { key: 'activated', label: 'Activated', cell: (item) => fmt.dateTime(item.activatedAt) },
          {
            key: 'actions',
            label: 'Actions',
            hiddenLabel: true,
            cell: (item) =>
              item.version === props.activeVersion ? (
                <span class="status status-completed">active</span>
              ) : props.writable ? (
                <button type="button" disabled={props.busy} onClick={() => props.onActivate(item.version)}>
                  Activate v{item.version} again
                </button>
              ) : null,
          },
        ]}
      />
    </Panel>
  );
}

/** Follows the run an activation started until it completes or fails. */
export function RunFollower({ runId }: { runId: string }) {
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    const poll = async () => {
      try {
        const next = await api.run(runId);
        if (!live) return;
        setRun(next);
        if (next.status === 'running') setTimeout(poll, 700);
      } catch (failure) {
        if (live) setError(failure);
      }
    };
    void poll();
    return () => {
      live = false;
    };
  }, [runId]);
  return (
    <Panel title="Run started by the activation" id="follow">
      {error ? <ErrorNote error={error} /> : null}
      <p class="run-status" role="status" aria-live="polite" data-status={run?.status ?? 'running'}>
        {run?.status === 'completed' ? (
          <>
            Run completed in {fmt.duration(run.startedAt, run.finishedAt)}: {fmt.int(run.partners)} partners,{' '}
            {fmt.int(run.tierChanges)} tier changes. <a href={href('leaderboard')}>See the leaderboard</a> ·{' '}
            <a href={href('movers', null, { run: run.runId })}>see the movers</a>
          </>
        ) : run?.status === 'failed' ? (
          'The run failed. Start another from Runs.'
        ) : (
          <>
            <span class="spinner" aria-hidden="true" /> Scoring with the new model…
          </>
        )}
      </p>
    </Panel>
  );
}
