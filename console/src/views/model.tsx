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
    cell = false,
  ) => (
    <Field path={path} label={label} error={errorAt(path)} cell={cell}>
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
    cell = false,
  ) => (
    <Field path={path} label={label} error={errorAt(path)} cell={cell}>
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
          <div class="table-wrap">
            <table class="data model-table">
              <thead>
                <tr>
                  <th scope="col">Metric</th>
                  <th scope="col">Group</th>
                  <th scope="col" class="num">
                    Weight
                  </th>
                  <th scope="col" class="num">
                    Share
                  </th>
                  <th scope="col">Normalisation</th>
                  <th scope="col">Direction</th>
                  <th scope="col">When missing</th>
                  <th scope="col">Cap min</th>
                  <th scope="col">Cap max</th>
                  <th scope="col">Half-life (days)</th>
                </tr>
              </thead>
              <tbody>
                {draft.metrics.map((metric, index) => {
                  const at = `/metrics/${index}`;
                  const set = (change: (target: typeof metric) => void) =>
                    update((copy) => change(copy.metrics[index] as typeof metric));
                  const total = draft.metrics.reduce(
                    (sum, item) => sum + (Number.isFinite(item.weight) ? item.weight : 0),
                    0,
                  );
                  return (
                    <tr key={index}>
                      <Field
                        path={`${at}/name`}
                        label={`Metric ${index + 1} name`}
                        error={errorAt(`${at}/name`)}
                        cell
                      >
                        <input
                          id={fieldId(`${at}/name`)}
                          value={metric.name}
                          aria-invalid={errorAt(`${at}/name`) ? 'true' : undefined}
                          onInput={(event) =>
                            set((target) => {
                              target.name = event.currentTarget.value;
                            })
                          }
                        />
                      </Field>
                      {choice(
                        `${at}/group`,
                        `${metric.name} group`,
                        metric.group,
                        GROUPS,
                        (value) =>
                          set((target) => {
                            target.group = value as typeof metric.group;
                          }),
                        true,
                      )}
                      {num(
                        `${at}/weight`,
                        `${metric.name} weight`,
                        metric.weight,
                        (value) =>
                          set((target) => {
                            target.weight = value as number;
                          }),
                        false,
                        true,
                      )}
                      <td class="num muted">
                        {total > 0 && Number.isFinite(metric.weight) ? fmt.pct(metric.weight / total) : '—'}
                      </td>
                      {choice(
                        `${at}/normalization`,
                        `${metric.name} normalisation`,
                        metric.normalization,
                        NORMALIZATIONS,
                        (value) =>
                          set((target) => {
                            target.normalization = value as typeof metric.normalization;
                          }),
                        true,
                      )}
                      {choice(
                        `${at}/direction`,
                        `${metric.name} direction`,
                        metric.direction,
                        DIRECTIONS,
                        (value) =>
                          set((target) => {
                            target.direction = value as typeof metric.direction;
                          }),
                        true,
                      )}
                      {choice(
                        `${at}/missing`,
                        `${metric.name} when missing`,
                        metric.missing,
                        MISSING,
                        (value) =>
                          set((target) => {
                            target.missing = value as typeof metric.missing;
                          }),
                        true,
                      )}
                      {num(
                        `${at}/cap/min`,
                        `${metric.name} cap min`,
                        metric.cap.min,
                        (value) =>
                          set((target) => {
                            target.cap.min = value;
                          }),
                        true,
                        true,
                      )}
                      {num(
                        `${at}/cap/max`,
                        `${metric.name} cap max`,
                        metric.cap.max,
                        (value) =>
                          set((target) => {
                            target.cap.max = value;
                          }),
                        true,
                        true,
                      )}
                      {num(
                        `${at}/halfLifeDays`,
                        `${metric.name} half-life in days`,
                        metric.halfLifeDays,
                        (value) =>
                          set((target) => {
                            target.halfLifeDays = value;
                          }),
                        true,
                        true,
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </Panel>
        <Panel title="Tiers" id="model-tiers">
          <div class="tiers-form">
            <table class="data model-table tiers-table">
              <thead>
                <tr>
                  <th scope="col">Tier</th>
                  <th scope="col">Minimum score</th>
                </tr>
              </thead>
              <tbody>
                {draft.tiers.map((tier, index) => {
                  const set = (change: (target: typeof tier) => void) =>
                    update((copy) => change(copy.tiers[index] as typeof tier));
                  return (
                    <tr key={index}>
                      <Field
                        path={`/tiers/${index}/name`}
                        label={`Tier ${index + 1} name`}
                        error={errorAt(`/tiers/${index}/name`)}
                        cell
                      >
                        <input
                          id={fieldId(`/tiers/${index}/name`)}
                          value={tier.name}
                          aria-invalid={errorAt(`/tiers/${index}/name`) ? 'true' : undefined}
                          onInput={(event) =>
                            set((target) => {
                              target.name = event.currentTarget.value;
                            })
                          }
                        />
                      </Field>
                      {num(
                        `/tiers/${index}/minScore`,
                        `${tier.name} minimum score`,
                        tier.minScore,
                        (value) =>
                          set((target) => {
                            target.minScore = value as number;
                          }),
                        false,
                        true,
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <div>
              {num('/tierHysteresis', 'Tier hysteresis (points)', draft.tierHysteresis, (value) =>
                update((copy) => {
                  copy.tierHysteresis = value as number;
                }),
              )}
              <p class="muted hint">
                A partner keeps a higher tier it held in the previous run while its score stays within this
                many points of that tier's minimum.
              </p>
            </div>
          </div>
        </Panel>
        <div class="actions">
          {writable ? (
            // The preview route needs partners/write, as activation does.
            <button
              type="button"
              disabled={busy !== null}
              onClick={() => act('preview', async () => setPreview(await api.previewModel(body(), 100)))}
            >
              {busy === 'preview' ? 'Previewing…' : 'Preview changes'}
            </button>
          ) : null}
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

/** A labelled input with the API's error for its path; in a table cell the column header shows the label. */
function Field(props: {
  path: string;
  label: string;
  error: string | undefined;
  cell?: boolean;
  children: preact.ComponentChildren;
}) {
  const content = (
    <>
      <label for={fieldId(props.path)} class={props.cell ? 'sr-only' : undefined}>
        {props.label}
      </label>
      {props.children}
      {props.error ? (
        <p class="field-error" id={`${fieldId(props.path)}-error`}>
          {props.error}
        </p>
      ) : null}
    </>
  );
  const className = `field${props.error ? ' field-invalid' : ''}`;
  return props.cell ? (
    <td class={className} data-path={props.path}>
      {content}
    </td>
  ) : (
    <div class={className} data-path={props.path}>
      {content}
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
