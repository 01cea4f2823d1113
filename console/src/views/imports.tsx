import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type ImportStatus, type ImportSummary, uploadFile } from '../api.ts';
import { can } from '../auth.ts';
import { ErrorNote, Panel, useAsync } from '../components.tsx';
import { DataTable } from '../components-table.tsx';
import { fmt } from '../format.ts';
import { href, navigate, type Route } from '../route.ts';

/** Largest file the console uploads (the API's presigned PUT is a single request). */
const MAX_FILE_BYTES = 1024 * 1024 * 1024;

export function Imports({ route }: { route: Route }) {
  const importId = route.params.get('import');
  const [upload, setUpload] = useState<{ name: string; fraction: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const recent = useAsync(() => api.imports(20), [importId]);

  const start = async (file: File | undefined) => {
    setError(null);
    if (!file) return;
    if (!/\.csv$/i.test(file.name))
      return setError(new Error(`${file.name} is not a .csv file. Export the partners as CSV first.`));
    if (file.size > MAX_FILE_BYTES)
      return setError(new Error(`${file.name} is over 1 GB: upload it with aws s3 cp instead.`));
    try {
      setUpload({ name: file.name, fraction: 0 });
      const created = await api.createImport();
      await uploadFile(created.uploadUrl, file, (fraction) => setUpload({ name: file.name, fraction }));
      setUpload({ name: file.name, fraction: 1 });
      navigate(href('imports', null, { import: created.importId }));
    } catch (failure) {
      setError(failure);
      setUpload(null);
    }
  };

  return (
    <div class="stack">
      {can('partners/write') ? (
        <Panel title="Import partners from CSV" id="upload">
          {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is the pointer path; the keyboard path is the "choose one" button inside */}
          <div
            class={`dropzone${dragging ? ' dropzone-over' : ''}`}
            data-testid="dropzone"
            onDragOver={(event) => {
              event.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(event) => {
              event.preventDefault();
              setDragging(false);
              void start(event.dataTransfer?.files[0]);
            }}
          >
            <p>
              <strong>Drop a CSV file here</strong> or{' '}
              <button type="button" class="linkish" onClick={() => input.current?.click()}>
                choose one
              </button>
            </p>
            <p class="muted">
              Header line first: <code>id</code> (or <code>name</code>), <code>name</code>, <code>type</code>,{' '}
              <code>region</code>, <code>asOf</code> and one column per metric of the model. Good rows are
              imported, bad ones reported with their line.
            </p>
            <input
              ref={input}
              type="file"
              accept=".csv,text/csv"
              class="sr-only"
              tabIndex={-1}
              aria-label="CSV file to import"
              onChange={(event) => void start(event.currentTarget.files?.[0])}
            />
          </div>
          {upload ? (
            <div class="upload">
              <label for="upload-progress">
                Uploading {upload.name}: {fmt.pct(upload.fraction)}
              </label>
              <progress id="upload-progress" max={1} value={upload.fraction} />
            </div>
          ) : null}
          {error ? <ErrorNote error={error} /> : null}
        </Panel>
      ) : null}
      {importId ? <ImportProgress importId={importId} /> : null}
      <Panel title="Recent imports" id="recent-imports">
        {recent.error ? <ErrorNote error={recent.error} /> : null}
        <DataTable<ImportSummary>
          class="compact"
          wrap={false}
          rows={recent.value?.items ?? []}
          rowKey={(item) => item.importId}
          columns={[
            {
              key: 'import',
              label: 'Import',
              ordered: 'descending',
              cell: (item) => (
                <>
                  <a href={href('imports', null, { import: item.importId })}>{item.importId}</a>
                  {item.createdAt ? <span class="muted"> {fmt.dateTime(item.createdAt)}</span> : null}
                </>
              ),
            },
            {
              key: 'status',
              label: 'Status',
              cell: (item) => <span class={`status status-${item.status}`}>{item.status}</span>,
            },
            { key: 'rows', label: 'Rows', numeric: true, cell: (item) => fmt.int(item.rowsTotal) },
            { key: 'imported', label: 'Imported', numeric: true, cell: (item) => fmt.int(item.rowsImported) },
            { key: 'rejected', label: 'Rejected', numeric: true, cell: (item) => fmt.int(item.rowsRejected) },
          ]}
        />
      </Panel>
    </div>
  );
}

/** The live state of one import, polled until it completes or fails. */
function ImportProgress({ importId }: { importId: string }) {
  const [status, setStatus] = useState<ImportStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    setStatus(null);
    const poll = async () => {
      try {
        const next = await api.importStatus(importId);
        if (!live) return;
        setStatus(next);
        if (next.status === 'pending' || next.status === 'processing') setTimeout(poll, 500);
      } catch (failure) {
        if (live) setError(failure);
      }
    };
    void poll();
    return () => {
      live = false;
    };
  }, [importId]);
  const done = status?.status === 'completed' || status?.status === 'failed';
  return (
    <Panel title="Import progress" id="progress">
      {error ? <ErrorNote error={error} /> : null}
      <p class="summary" role="status" aria-live="polite" data-status={status?.status ?? 'pending'}>
        {status
          ? done
            ? `Import ${status.status}: ${fmt.int(status.rowsImported)} of ${fmt.int(status.rowsTotal)} rows imported, ${fmt.int(status.rowsRejected)} rejected.`
            : `Import ${status.status}…`
          : 'Waiting for the import to start…'}
      </p>
      <dl class="stats">
        <div class="stat">
          <dt>Rows read</dt>
          <dd class="stat-value">{fmt.int(status?.rowsTotal)}</dd>
        </div>
        <div class="stat">
          <dt>Imported</dt>
          <dd class="stat-value">{fmt.int(status?.rowsImported)}</dd>
        </div>
        <div class="stat">
          <dt>Rejected</dt>
          <dd class="stat-value">{fmt.int(status?.rowsRejected)}</dd>
        </div>
      </dl>
      {status?.warnings.length ? (
        <ul class="warnings">
          {status.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      ) : null}
      {status?.errors.length ? (
        <>
          <h3>Rejected rows</h3>
          <DataTable
            class="compact import-errors"
            wrap={false}
            rows={status.errors}
            rowKey={(row) => `${row.line}:${row.column}`}
            columns={[
              {
                key: 'line',
                label: 'Line',
                numeric: true,
                ordered: 'ascending',
                cell: (row) => fmt.int(row.line),
              },
              { key: 'column', label: 'Column', cell: (row) => row.column ?? '—' },
              { key: 'problem', label: 'Problem', cell: (row) => row.message },
            ]}
          />
        </>
      ) : null}
      {status?.errorReport ? (
        <p>
          <a href={status.errorReport} download>
            Download the error report (CSV of the rejected rows)
          </a>
        </p>
      ) : null}
      {status?.status === 'completed' ? (
        <p>
          A run starts after every import: <a href={href('runs')}>follow it in Runs</a>.
        </p>
      ) : null}
    </Panel>
  );
}
