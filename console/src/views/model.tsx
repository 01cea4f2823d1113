import { useEffect, useState } from 'preact/hooks';
import {
  type ActiveModel,
  ApiError,
  api,
  type FieldError,
  type Model,
  type Preview,
  type Run,
} from '../api.ts';
import { can } from '../auth.ts';
import { ErrorNote, Panel, useAsync } from '../components.tsx';
import { fmt } from '../format.ts';
import { href, type Route } from '../route.ts';
import { MoversTable } from './movers.tsx';

const NORMALIZATIONS = ['none', 'minmax', 'log', 'zscore', 'percentile'];
const DIRECTIONS = ['higher', 'lower'];
const MISSING = ['zero', 'neutral', 'exclude'];
const GROUPS = ['business', 'relationship'];

function strip(model: ActiveModel): Model {
  return { metrics: model.metrics, tiers: model.tiers, tierHysteresis: model.tierHysteresis };
}

/** `/metrics/2/weight` → the id of the input that edits it. */
const fieldId = (path: string) => `f${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

export function ModelView({
  route,
  model,
  onActivated,
}: {
  route: Route;
  model: ActiveModel | undefined;
  onActivated: () => void;
}) {
  const [draft, setDraft] = useState<Model | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [problem, setProblem] = useState<unknown>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const versions = useAsync(() => api.modelVersions(), [model?.version]);
  useEffect(() => {
    if (model && !draft) setDraft(strip(model));
  }, [model]);
  const writable = can('partners/write');
  if (!draft || !model) return <p class="summary">Loading the model…</p>;

  const update = (change: (copy: Model) => void) => {
    const copy = structuredClone(draft);
    change(copy);
    setDraft(copy);
    setPreview(null);
  };
  const errorAt = (path: string) => errors.find((error) => error.path === path)?.message;
  const fail = (error: unknown) => {
    setProblem(error);
    setErrors(error instanceof ApiError ? (error.problem.errors ?? []) : []);
    const first = error instanceof ApiError ? error.problem.errors?.[0] : undefined;
    if (first) requestAnimationFrame(() => document.getElementById(fieldId(first.path))?.focus());
  };
  const act = async (what: string, call: () => Promise<void>) => {
    setBusy(what);
    setProblem(null);
    setErrors([]);
    try {
      await call();
    } catch (error) {
      fail(error);
    } finally {
      setBusy(null);
    }
  };

  const num = (
    path: string,
    label: string,
    value: number | null,
    set: (value: number | null) => void,
    nullable = false,
  ) => (
    <Field path={path} label={label} error={errorAt(path)}>
      <input
        id={fieldId(path)}
        type="number"
        step="any"
        inputMode="decimal"
        value={value ?? ''}
        placeholder={nullable ? 'none' : ''}
        aria-invalid={errorAt(path) ? 'true' : undefined}
        aria-describedby={errorAt(path) ? `${fieldId(path)}-error` : undefined}
        onInput={(event) => {
          const text = event.currentTarget.value;
          set(text === '' ? (nullable ? null : Number.NaN) : Number(text));
        }}
      />
    </Field>
  );
  const choice = (
    path: string,
    label: string,
    value: string,
    options: string[],
    set: (value: string) => void,
  ) => (
    <Field path={path} label={label} error={errorAt(path)}>
      <select
        id={fieldId(path)}
        value={value}
        aria-invalid={errorAt(path) ? 'true' : undefined}
        aria-describedby={errorAt(path) ? `${fieldId(path)}-error` : undefined}
        onChange={(event) => set(event.currentTarget.value)}
      >
        {options.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </select>
    </Field>
  );
  // NaN is not JSON: send it as a string so the API names the field instead of reading null.
  const body = () =>
    JSON.parse(
      JSON.stringify(draft, (_key, value) => (Number.isNaN(value) ? 'not a number' : value)),
    ) as Model;

  return (
    <div class="stack">
      <p class="run-line">
        Active model: <strong>version {model.version}</strong>. Edit it below, preview what would change, then
        activate it: activation stores a new version and starts a run.
      </p>
      {problem ? (
        <div class="error-summary" role="alert">
          <ErrorNote error={problem} />
          {errors.length > 0 ? (
            <ul>
              {errors.map((error) => (
                <li key={error.path}>
                  <a
                    href={`#${fieldId(error.path)}`}
                    onClick={(event) => {
                      event.preventDefault();
                      document.getElementById(fieldId(error.path))?.focus();
                    }}
                  >
                    {error.path}
                  </a>
                  : {error.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <form class="stack" onSubmit={(event) => event.preventDefault()}>
        <Panel title="Metrics" id="model-metrics">
          {draft.metrics.map((metric, index) => {
            const at = `/metrics/${index}`;
            return (
              <fieldset key={index} class="metric-card">
                <legend>{metric.name || `metric ${index + 1}`}</legend>
                <div class="field-grid">
                  <Field path={`${at}/name`} label="Name" error={errorAt(`${at}/name`)}>
                    <input
                      id={fieldId(`${at}/name`)}
                      value={metric.name}
                      aria-invalid={errorAt(`${at}/name`) ? 'true' : undefined}
                      onInput={(event) =>
                        update((copy) => {
                          (copy.metrics[index] as typeof metric).name = event.currentTarget.value;
                        })
                      }
                    />
                  </Field>
                  {choice(`${at}/group`, 'Group', metric.group, GROUPS, (value) =>
                    update((copy) => {
                      (copy.metrics[index] as typeof metric).group = value as typeof metric.group;
                    }),
                  )}
                  {num(`${at}/weight`, 'Weight', metric.weight, (value) =>
                    update((copy) => {
                      (copy.metrics[index] as typeof metric).weight = value as number;
                    }),
                  )}
                  {choice(
                    `${at}/normalization`,
                    'Normalisation',
                    metric.normalization,
                    NORMALIZATIONS,
                    (value) =>
                      update((copy) => {
                        (copy.metrics[index] as typeof metric).normalization =
                          value as typeof metric.normalization;
                      }),
                  )}
                  {choice(`${at}/direction`, 'Direction', metric.direction, DIRECTIONS, (value) =>
                    update((copy) => {
                      (copy.metrics[index] as typeof metric).direction = value as typeof metric.direction;
                    }),
                  )}
                  {choice(`${at}/missing`, 'When missing', metric.missing, MISSING, (value) =>
                    update((copy) => {
                      (copy.metrics[index] as typeof metric).missing = value as typeof metric.missing;
                    }),
                  )}
                  {num(
                    `${at}/cap/min`,
                    'Cap min',
                    metric.cap.min,
                    (value) =>
                      update((copy) => {
                        (copy.metrics[index] as typeof metric).cap.min = value;
                      }),
                    true,
                  )}
                  {num(
                    `${at}/cap/max`,
                    'Cap max',
                    metric.cap.max,
                    (value) =>
                      update((copy) => {
                        (copy.metrics[index] as typeof metric).cap.max = value;
                      }),
                    true,
                  )}
                  {num(
                    `${at}/halfLifeDays`,
                    'Half-life (days)',
                    metric.halfLifeDays,
                    (value) =>
                      update((copy) => {
                        (copy.metrics[index] as typeof metric).halfLifeDays = value;
                      }),
                    true,
                  )}
                </div>
              </fieldset>
            );
          })}
        </Panel>
        <Panel title="Tiers" id="model-tiers">
          <div class="field-grid">
            {draft.tiers.map((tier, index) => (
              <fieldset key={index} class="tier-card">
                <legend>Tier {index + 1}</legend>
                <Field path={`/tiers/${index}/name`} label="Name" error={errorAt(`/tiers/${index}/name`)}>
                  <input
                    id={fieldId(`/tiers/${index}/name`)}
                    value={tier.name}
                    aria-invalid={errorAt(`/tiers/${index}/name`) ? 'true' : undefined}
                    onInput={(event) =>
                      update((copy) => {
                        (copy.tiers[index] as typeof tier).name = event.currentTarget.value;
                      })
                    }
                  />
                </Field>
                {num(`/tiers/${index}/minScore`, 'Minimum score', tier.minScore, (value) =>
                  update((copy) => {
                    (copy.tiers[index] as typeof tier).minScore = value as number;
                  }),
                )}
              </fieldset>
            ))}
            {num('/tierHysteresis', 'Tier hysteresis (points)', draft.tierHysteresis, (value) =>
              update((copy) => {
                copy.tierHysteresis = value as number;
              }),
            )}
          </div>
        </Panel>
        <div class="actions">
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => act('preview', async () => setPreview(await api.previewModel(body(), 100)))}
          >
            {busy === 'preview' ? 'Previewing…' : 'Preview changes'}
          </button>
          {writable ? (
            <button
              type="button"
              class="primary"
              disabled={busy !== null}
              onClick={() =>
                act('activate', async () => {
                  const started = await api.activateModel(body());
                  setRunId(started.runId);
                  setPreview(null);
                  onActivated();
                })
              }
            >
              {busy === 'activate' ? 'Activating…' : 'Activate'}
            </button>
          ) : null}
          <button
            type="button"
            onClick={() => {
              setDraft(strip(model));
              setErrors([]);
              setProblem(null);
              setPreview(null);
            }}
          >
            Reset to active
          </button>
        </div>
      </form>
      {runId ? <RunFollower runId={runId} /> : null}
      {preview ? (
        <Panel title="Preview: what would change" id="preview">
          <p class="summary" role="status" aria-live="polite">
            {fmt.int(preview.movers.length)} partners would move, {fmt.int(preview.tierChanges)} tier changes
            among {fmt.int(preview.partners)} partners. Nothing has changed yet.
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
      ) : null}
      <Panel title="Versions" id="versions">
        {versions.error ? <ErrorNote error={versions.error} /> : null}
        <table class="data compact">
          <thead>
            <tr>
              <th scope="col" aria-sort="descending">
                Version
              </th>
              <th scope="col">Activated</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(versions.value?.items ?? []).map((item) => (
              <tr key={item.version}>
                <td>v{item.version}</td>
                <td>{fmt.dateTime(item.activatedAt)}</td>
                <td>
                  {item.version === model.version ? (
                    <span class="status status-completed">active</span>
                  ) : writable ? (
                    <button
                      type="button"
                      disabled={busy !== null}
                      onClick={() =>
                        act(`v${item.version}`, async () => {
                          const started = await api.reactivateModel(item.version);
                          setRunId(started.runId);
                          onActivated();
                        })
                      }
                    >
                      Activate v{item.version} again
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
    </div>
  );
}

function Field(props: {
  path: string;
  label: string;
  error: string | undefined;
  children: preact.ComponentChildren;
}) {
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`} data-path={props.path}>
      <label for={fieldId(props.path)}>{props.label}</label>
      {props.children}
      {props.error ? (
        <p class="field-error" id={`${fieldId(props.path)}-error`}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

/** Follows the run an activation started until it completes or fails. */
function RunFollower({ runId }: { runId: string }) {
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
          `The run failed${run.reason ? `: ${run.reason}` : ''}. Start another from Runs.`
        ) : (
          <>
            <span class="spinner" aria-hidden="true" /> Scoring with the new model…
          </>
        )}
      </p>
    </Panel>
  );
}
