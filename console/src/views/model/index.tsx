/**
 * "Model": edit the active model, preview what would change, activate it (a new version and a run),
 * or activate a stored version again. The API's validation errors show at their fields.
 */
import { useEffect, useState } from 'preact/hooks';
import { type ActiveModel, ApiError, api, type FieldError, type Model, type Preview } from '../../api.ts';
import { can } from '../../auth.ts';
import { ErrorNote } from '../../components.tsx';
import { fieldId } from '../../components-fields.tsx';
import type { Route } from '../../route.ts';
import { ModelEditor } from './editor.tsx';
import { PreviewPanel } from './preview.tsx';
import { RunFollower, VersionsPanel } from './versions.tsx';

function strip(model: ActiveModel): Model {
  return { metrics: model.metrics, tiers: model.tiers, tierHysteresis: model.tierHysteresis };
}

// NaN is not JSON: send it as a string so the API names the field instead of reading null.
const body = (draft: Model) =>
  JSON.parse(JSON.stringify(draft, (_key, value) => (Number.isNaN(value) ? 'not a number' : value))) as Model;

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
  const act = async (what: string, call: () => Promise<void>) => {
    setBusy(what);
    setProblem(null);
    setErrors([]);
    try {
      await call();
    } catch (error) {
      setProblem(error);
      setErrors(error instanceof ApiError ? (error.problem.errors ?? []) : []);
      const first = error instanceof ApiError ? error.problem.errors?.[0] : undefined;
      if (first) requestAnimationFrame(() => document.getElementById(fieldId(first.path))?.focus());
    } finally {
      setBusy(null);
    }
  };
  const activate = (what: string, start: () => Promise<{ runId: string }>) =>
    act(what, async () => {
      const started = await start();
      setRunId(started.runId);
      setPreview(null);
      onActivated();
    });

  return (
    <div class="stack">
      <p class="run-line">
        Active model: <strong>version {model.version}</strong>. Edit it below, preview what would change, then
        activate it: activation stores a new version and starts a run.
      </p>
      {problem ? <ErrorSummary problem={problem} errors={errors} /> : null}
      <form class="stack" onSubmit={(event) => event.preventDefault()}>
        <ModelEditor draft={draft} errors={errors} update={update} />
        <div class="actions">
          {writable ? (
            // The preview route needs partners/write, as activation does.
            <button
              type="button"
              disabled={busy !== null}
              onClick={() => act('preview', async () => setPreview(await api.previewModel(body(draft), 100)))}
            >
              {busy === 'preview' ? 'Previewing…' : 'Preview changes'}
            </button>
          ) : null}
          {writable ? (
            <button
              type="button"
              class="primary"
              disabled={busy !== null}
              onClick={() => activate('activate', () => api.activateModel(body(draft)))}
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
      {preview ? <PreviewPanel preview={preview} route={route} /> : null}
      <VersionsPanel
        activeVersion={model.version}
        writable={writable}
        busy={busy !== null}
        onActivate={(version) => activate(`v${version}`, () => api.reactivateModel(version))}
      />
    </div>
  );
}

/** The problem, and each failing field as a link that focuses its input. */
function ErrorSummary({ problem, errors }: { problem: unknown; errors: FieldError[] }) {
  return (
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
  );
}
