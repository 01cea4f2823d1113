import { api, type Run } from '../api.ts';
import { ErrorNote, Panel, useAsync } from '../components.tsx';
import { fmt } from '../format.ts';
import { tiersInModelOrder } from '../tiers.ts';

/** Partners per tier in the ranking's run beside the run before it; a tier's row filters the leaderboard. */
export function TierDistribution(props: {
  currentRunId: string | null;
  /** The active model's tier names, best first: the order of the rows. */
  tierOrder: readonly string[];
  selected: string | undefined;
  onSelect: (tier: string) => void;
}) {
  // Asked once the ranking is known, so it does not compete with the first page of rows.
  const runs = useAsync(
    () => (props.currentRunId ? api.runs(20) : Promise.resolve(undefined)),
    [props.currentRunId],
  );
  const completed = (runs.value?.items ?? []).filter((run) => run.status === 'completed' && run.tiers);
  const index = completed.findIndex((run) => run.runId === props.currentRunId);
  const current: Run | undefined = completed[index === -1 ? 0 : index];
  const previous: Run | undefined = completed[(index === -1 ? 0 : index) + 1];
  const names = tiersInModelOrder(props.tierOrder, current?.tiers, previous?.tiers);
  const max = Math.max(
    1,
    ...names.flatMap((name) => [current?.tiers?.[name] ?? 0, previous?.tiers?.[name] ?? 0]),
  );
  const summary = names
    .map((name) => {
      const now = current?.tiers?.[name] ?? 0;
      const before = previous?.tiers?.[name];
      return `${name} ${fmt.int(now)}${before === undefined ? '' : ` (was ${fmt.int(before)})`}`;
    })
    .join(', ');
  return (
    <Panel title="Tier distribution" id="tiers">
      {runs.error ? <ErrorNote error={runs.error} /> : null}
      {current ? (
        <>
          <p class="legend">
            <span class="key key-current" aria-hidden="true" /> this run
            {previous ? (
              <>
                {' '}
                <span class="key key-previous" aria-hidden="true" /> previous run
              </>
            ) : null}
          </p>
          <ul class="tier-chart">
            {names.map((name) => {
              const now = current.tiers?.[name] ?? 0;
              const before = previous?.tiers?.[name];
              return (
                <li key={name}>
                  <button
                    type="button"
                    class="tier-row"
                    aria-pressed={props.selected === name}
                    onClick={() => props.onSelect(name)}
                    aria-label={`${name}: ${fmt.int(now)} partners${before === undefined ? '' : `, ${fmt.int(before)} in the previous run`}. Show only ${name}.`}
                  >
                    <span class="tier-name">{name}</span>
                    <svg class="tier-bars" viewBox="0 0 100 14" preserveAspectRatio="none" aria-hidden="true">
                      <rect
                        class="bar-fill"
                        x="0"
                        y="0"
                        width={(now / max) * 100}
                        height={previous ? 7 : 14}
                      />
                      {previous ? (
                        <rect
                          class="bar-previous"
                          x="0"
                          y="8"
                          width={((before ?? 0) / max) * 100}
                          height="6"
                        />
                      ) : null}
                    </svg>
                    <span class="num tier-count">
                      {fmt.int(now)}
                      {before === undefined ? null : <span class="muted"> / {fmt.int(before)}</span>}
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
          <p class="sr-only">Partners per tier: {summary}.</p>
        </>
      ) : (
        <p class="empty">{runs.loading ? 'Loading…' : 'No completed run yet.'}</p>
      )}
    </Panel>
  );
}
